using System.Runtime.InteropServices;
using EdgePrune.Runtime.Format;
using EdgePrune.Runtime.Kernels;

namespace EdgePrune.Runtime.Engine;

/// <summary>FullyConnected: x [..., K] · W[N, K]ᵀ + bias[N] → [..., N], fp32 or int8 (per-channel weights, int32 bias).</summary>
internal sealed class FullyConnectedStep : Step
{
    private readonly WeightView _weights;
    private readonly int _batch;
    private readonly float _min;
    private readonly float _max;
    private readonly Requantization? _requantization;
    private readonly int[] _foldedBias = [];

    public FullyConnectedStep(NodeRecord node, TensorRecord[] tensors)
        : base(node, tensors)
    {
        Arity(2, 3, 1);
        var x = In(0);
        var w = In(1);
        Require(w.IsConstant && w.Shape.Length == 2, $"weights {w} must be a constant matrix [N, K]");
        _weights = ExecutionWeights(w.Tensor.Weights!);

        int n = w.Shape[0], k = w.Shape[1];
        Require(x.Shape.Length >= 1 && x.Shape[^1] == k, $"input {x} must end in K = {k}");
        _batch = x.Count / k;
        Require(Out.Shape.Length == x.Shape.Length && Out.Shape[^1] == n && Out.Count == _batch * n, $"output {Out} must be the input's shape with the last dimension {n}");
        var bias = Inputs.Length > 2 ? Inputs[2] : null;
        if (bias is not null)
        {
            Require(bias.IsConstant && bias.Count == n, $"bias {bias} must be a constant of {n} values");
            RequireDenseIfConstant(bias);
        }

        (_min, _max) = FusedRange.Of(node);
        if (x.Type == EpbDataType.Float32)
        {
            RequireType(w, EpbDataType.Float32);
            RequireType(Out, EpbDataType.Float32);
            if (bias is not null)
            {
                RequireType(bias, EpbDataType.Float32);
            }

            Require(_weights.Encoding != WeightEncoding.Int4, "int4 weights need an int8 input");
            return;
        }

        RequireType(x, EpbDataType.Int8);
        RequireType(w, EpbDataType.Int8);
        RequireType(Out, EpbDataType.Int8);
        var (inScale, inZero) = PerTensor(x);
        var (outScale, outZero) = PerTensor(Out);
        var wq = w.Tensor.Quant;
        Require(wq is not null && wq.ZeroPoints.All(z => z == 0) && (wq.Kind == QuantKind.PerTensor || wq.Axis == 0),
            $"int8 weights {w} need symmetric (zero point 0) per-tensor or per-output-channel (axis 0) quantization");
        if (bias is not null)
        {
            RequireType(bias, EpbDataType.Int32);
        }

        _requantization = Requantization.Create(inScale, inZero, wq!.Scales, n, outScale, outZero, _min, _max);
        _foldedBias = FullyConnectedInt8.FoldedBias(_weights, bias is null ? [] : bias.Tensor.Weights!.Ints(0), -inZero);
    }

    /// <summary>
    /// Kept fraction (stored values / elements) of an unstructured-sparse int8 matrix above which the dense kernel, run
    /// over a dense copy made at load, is faster than the CSR kernel, where the dense kernel runs 256-bit (AVX2; ARM
    /// takes this value too, unmeasured). Measured on x64 (AMD EPYC, AVX-512 switched off with DOTNET_EnableAVX512=0)
    /// with a timing program outside the repository: batch 1, random kept positions, best of 45 timed runs after a
    /// 300 ms warm-up. µs per call for K×N = 400×120 / 784×300 / 300×100 / 120×84: dense 0.94 / 4.38 / 0.66 / 0.27;
    /// CSR16 at 2 % 0.50 / 1.74 / 0.42 / 0.25, 5 % 0.78 / 3.13 / 0.56 / 0.32, 8 % 1.10 / 4.52 / 0.74 / 0.37: CSR passes
    /// dense at 6.5 / 7.7 / 6.7 / 2.9 % kept (the small 120×84 is bound by CSR's per-row work; the larger shapes, where
    /// the time is, set the constant).
    /// </summary>
    internal const double DenseAboveKeptFractionInt8 = 0.065;

    /// <summary>
    /// As <see cref="DenseAboveKeptFractionInt8"/> where the dense int8 kernel runs 512-bit (AVX-512BW, same machine):
    /// dense 0.60 / 2.69 / 0.47 / 0.21 µs; CSR16 at 2 % 0.48 / 1.64 / 0.40 / 0.25, 5 % 0.77 / 3.07 / 0.55 / 0.33: CSR
    /// passes dense at 3.2 / 4.2 / 3.4 / under 2 % kept.
    /// </summary>
    internal const double DenseAboveKeptFractionInt8Avx512 = 0.035;

    /// <summary>
    /// As <see cref="DenseAboveKeptFractionInt8"/> for fp32, 512-bit / 256-bit dense kernel: dense 1.70 / 9.24 / 1.31 /
    /// 0.45 and 1.86 / 10.84 / 1.28 / 0.39 µs; CSR16 at 10 % 1.27 / 6.33 / 0.84 / 0.34, 15 % 1.84 / 8.35 / 1.17 / 0.49,
    /// 25 % 2.91 / 13.34 / 1.87 / 0.70: CSR passes dense at 13.8 / 16.8 / 17.0 / 13.7 % and 15.1 / 19.7 / 16.3 / 11.4 %.
    /// </summary>
    internal const double DenseAboveKeptFractionFloat = 0.15;

    /// <summary>The crossover kept fraction for weights of <paramref name="type"/> on this CPU.</summary>
    internal static double DenseAboveKeptFraction(EpbDataType type) => type switch
    {
        EpbDataType.Int8 => FullyConnectedInt8.Runs512Bit ? DenseAboveKeptFractionInt8Avx512 : DenseAboveKeptFractionInt8,
        _ => DenseAboveKeptFractionFloat,
    };

    /// <summary>
    /// The weights as the kernels run them: a bitmask becomes CSR (its row scan is about 3x slower than CSR's index
    /// loads, docs/results.md), and an unstructured-sparse matrix that keeps more than the crossover fraction becomes
    /// dense, costing rows × cols values of RAM but not of file (unless that copy would not fit one array).
    /// Block-sparse and N:M stay as stored.
    /// </summary>
    internal static WeightView ExecutionWeights(WeightView stored)
    {
        if (stored.Encoding is not (WeightEncoding.Csr8 or WeightEncoding.Csr16 or WeightEncoding.Bitmask))
        {
            return stored;
        }

        long elements = (long)stored.Rows * stored.Cols;
        if (elements is > 0 and <= int.MaxValue / sizeof(float) && stored.StoredCount > DenseAboveKeptFraction(stored.DataType) * elements)
        {
            byte[] dense = stored.DataType == EpbDataType.Int8
                ? Array.ConvertAll(stored.ToDenseInt(), v => (byte)(sbyte)v)
                : MemoryMarshal.AsBytes(stored.ToDenseFloat().AsSpan()).ToArray();
            return WeightView.Validate(dense, 0, dense.Length, "dense execution copy", stored.DataType, [stored.Rows, stored.Cols], stored.Rows * stored.Cols,
                WeightEncoding.Dense, 0, 0, stored.Rows * stored.Cols, [(0, dense.Length)]);
        }

        return stored.Encoding == WeightEncoding.Bitmask && stored.ToCsr16() is { } csr ? csr : stored;
    }

    public override void Execute(byte[] arena, int[] scratch)
    {
        if (_requantization is null)
        {
            var bias = Inputs.Length > 2 && Inputs[2] is { } b ? b.Floats(arena) : [];
            FullyConnectedFloat.Run(_weights, In(0).Floats(arena), bias, Out.WritableFloats(arena), _batch, _min, _max);
        }
        else
        {
            FullyConnectedInt8.Run(_weights, In(0).SBytes(arena), _foldedBias, _requantization, Out.WritableSBytes(arena), _batch);
        }
    }
}
