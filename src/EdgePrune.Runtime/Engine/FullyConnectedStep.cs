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
    /// Kept fraction (stored values / elements) of an unstructured-sparse matrix above which the dense kernel, run over
    /// a dense copy made at load, is faster than the CSR kernel. Measured on x64 (AMD EPYC, AVX2 paths) with a timing
    /// program outside the repository: batch 1, random kept positions, best of 45 timed runs after a 300 ms warm-up.
    /// µs per call for K×N = 400×120 / 784×300 / 300×100 / 120×84: int8 dense 0.94 / 4.34 / 0.67 / 0.26; CSR16 at
    /// 2 % 0.50 / 1.68 / 0.41 / 0.26, 5 % 0.77 / 3.14 / 0.56 / 0.33, 8 % 1.11 / 4.64 / 0.74 / 0.37, 10 % 1.30 / 5.57 /
    /// 0.87 / 0.40: CSR passes dense at 6.5 / 7.4 / 6.8 / 2.0 % kept (the small 120×84 is dense-bound by CSR's per-row
    /// work; the larger shapes, where the time is, set the constant).
    /// </summary>
    internal const double DenseAboveKeptFractionInt8 = 0.065;

    /// <summary>
    /// As <see cref="DenseAboveKeptFractionInt8"/> for fp32: dense 1.70 / 9.57 / 1.38 / 0.43 µs; CSR16 at 10 %
    /// 1.27 / 5.76 / 0.84 / 0.35, 15 % 1.86 / 8.40 / 1.19 / 0.49, 25 % 2.93 / 14.29 / 1.88 / 0.71: CSR passes dense at
    /// 13.6 / 17.0 / 17.8 / 12.9 % kept.
    /// </summary>
    internal const double DenseAboveKeptFractionFloat = 0.15;

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
        double crossover = stored.DataType == EpbDataType.Int8 ? DenseAboveKeptFractionInt8 : DenseAboveKeptFractionFloat;
        if (elements is > 0 and <= int.MaxValue / sizeof(float) && stored.StoredCount > crossover * elements)
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
