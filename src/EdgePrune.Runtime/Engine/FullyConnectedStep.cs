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
        _weights = w.Tensor.Weights!;
        if (_weights.Encoding == WeightEncoding.Bitmask && _weights.ToCsr16() is { } csr)
        {
            _weights = csr;
        }

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
