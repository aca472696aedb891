using EdgePrune.Runtime.Format;
using EdgePrune.Runtime.Kernels;

namespace EdgePrune.Runtime.Engine;

/// <summary>Copy (what Reshape, Flatten, Squeeze and Unsqueeze become): same type, quantization and element count.</summary>
internal sealed class CopyStep : Step
{
    public CopyStep(NodeRecord node, TensorRecord[] tensors)
        : base(node, tensors)
    {
        Arity(1, 1, 1);
        RequireDenseIfConstant(In(0));
        RequireType(Out, In(0).Type);
        Require(In(0).Count == Out.Count, $"{In(0)} and {Out} differ in element count");
        if (Out.Type == EpbDataType.Int8)
        {
            RequireSameQuantization(In(0), Out);
        }
    }

    public override void Execute(byte[] arena, int[] scratch) => In(0).Bytes(arena).CopyTo(Out.Writable(arena));
}

/// <summary>Concat along attribute axis; int8 inputs must share the output's quantization.</summary>
internal sealed class ConcatStep : Step
{
    private readonly int _outer;
    private readonly int _outputChunk;
    private readonly int[] _chunks;
    private readonly int[] _offsets;

    public ConcatStep(NodeRecord node, TensorRecord[] tensors)
        : base(node, tensors)
    {
        Arity(1, 64, 1);
        int rank = Out.Shape.Length;
        int axis = (int)node.GetInt(AttributeId.Axis, -1);
        Require(axis >= 0 && axis < rank, $"axis {axis} is outside rank {rank}");
        int size = TensorRecord.ElementSize(Out.Type);
        _outer = (int)Product(Out.Shape.Take(axis));
        int inner = (int)Product(Out.Shape.Skip(axis + 1)) * size;
        _outputChunk = Out.Shape[axis] * inner;
        _chunks = new int[Inputs.Length];
        _offsets = new int[Inputs.Length];
        int axisSum = 0;
        for (int i = 0; i < Inputs.Length; i++)
        {
            Require(Inputs[i] is not null, $"input {i} is absent");
            var x = In(i);
            RequireDenseIfConstant(x);
            RequireType(x, Out.Type);
            Require(x.Shape.Length == rank && Enumerable.Range(0, rank).All(d => d == axis || x.Shape[d] == Out.Shape[d]), $"{x} does not match {Out} outside axis {axis}");
            if (Out.Type == EpbDataType.Int8)
            {
                RequireSameQuantization(x, Out);
            }

            _offsets[i] = axisSum * inner;
            _chunks[i] = x.Shape[axis] * inner;
            axisSum += x.Shape[axis];
        }

        Require(axisSum == Out.Shape[axis], $"inputs add up to {axisSum} along axis {axis}, the output has {Out.Shape[axis]}");
    }

    public override void Execute(byte[] arena, int[] scratch)
    {
        var output = Out.Writable(arena);
        for (int i = 0; i < _chunks.Length; i++)
        {
            Layout.Concat(_outer, In(i).Bytes(arena), _chunks[i], _outputChunk, _offsets[i], output);
        }
    }
}

/// <summary>Transpose by attribute perm.</summary>
internal sealed class TransposeStep : Step
{
    private readonly int[] _permutedStrides;
    private readonly int _elementSize;

    public TransposeStep(NodeRecord node, TensorRecord[] tensors)
        : base(node, tensors)
    {
        Arity(1, 1, 1);
        var x = In(0);
        RequireDenseIfConstant(x);
        RequireType(Out, x.Type);
        int rank = x.Shape.Length;
        var perm = IntsAttribute(AttributeId.Perm, rank, 0, 0);
        Require(perm.Order().SequenceEqual(Enumerable.Range(0, rank)), $"perm [{string.Join(", ", perm)}] is not a permutation of the {rank} axes");
        Require(Out.Shape.SequenceEqual(perm.Select(p => x.Shape[p])), $"output {Out} is not {x} permuted by [{string.Join(", ", perm)}]");
        if (x.Type == EpbDataType.Int8)
        {
            RequireSameQuantization(x, Out);
        }

        var strides = new int[rank];
        for (int d = rank - 1, s = 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= x.Shape[d];
        }

        _permutedStrides = perm.Select(p => strides[p]).ToArray();
        _elementSize = TensorRecord.ElementSize(x.Type);
    }

    public override void Execute(byte[] arena, int[] scratch) =>
        Layout.Transpose(In(0).Bytes(arena), Out.Writable(arena), _elementSize, Out.Shape, _permutedStrides);
}

/// <summary>QuantizeLinear (fp32 → int8 with the output's parameters) and DequantizeLinear (int8 → fp32 with the input's).</summary>
internal sealed class QuantizeStep : Step
{
    private readonly float _scale;
    private readonly int _zeroPoint;

    public QuantizeStep(NodeRecord node, TensorRecord[] tensors)
        : base(node, tensors)
    {
        Arity(1, 1, 1);
        RequireDenseIfConstant(In(0));
        Require(In(0).Count == Out.Count, $"{In(0)} and {Out} differ in element count");
        bool quantize = node.Op == OpCode.Quantize;
        RequireType(In(0), quantize ? EpbDataType.Float32 : EpbDataType.Int8);
        RequireType(Out, quantize ? EpbDataType.Int8 : EpbDataType.Float32);
        (_scale, _zeroPoint) = PerTensor(quantize ? Out : In(0));
    }

    public override void Execute(byte[] arena, int[] scratch)
    {
        if (Node.Op == OpCode.Quantize)
        {
            Quantization.Quantize(In(0).Floats(arena), Out.WritableSBytes(arena), _scale, _zeroPoint);
        }
        else
        {
            Quantization.Dequantize(In(0).SBytes(arena), Out.WritableFloats(arena), _scale, _zeroPoint);
        }
    }
}
