using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Gather: picks entries along 'axis' (default 0, negative counts from the back) by int32/int64 indices, which
/// may be negative. Output shape is data[:axis] + indices.shape + data[axis+1:], so scalar indices drop the
/// axis. ONNX Operators.md#Gather.
/// </summary>
public sealed class Gather : Operator
{
    public override string OpType => "Gather";
    public override int MinInputs => 2;
    public override int MaxInputs => 2;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "axis" };

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var data = inputs[0]!;
        var indices = inputs[1]!;
        if (indices.ElementType is not (DataType.Int64 or DataType.Int32))
        {
            throw new EdgePruneException($"{node.Describe()}: indices must be int32 or int64, got {indices.ElementType.OnnxName()}");
        }

        if (data.Shape is null || indices.Shape is null)
        {
            return [new TensorType(data.ElementType, null)];
        }

        int axis = Axis(node, data.Shape.Count);
        if (constants[1] is { } known && data.Shape[axis].Value is { } size)
        {
            Normalized(node, known.ToInt64Array(), size, axis);
        }

        return [new TensorType(data.ElementType, [.. data.Shape.Take(axis), .. indices.Shape, .. data.Shape.Skip(axis + 1)])];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var data = inputs[0]!;
        var indices = inputs[1]!;
        int axis = Axis(node, data.Rank);
        int size = data.Shape[axis];
        var picks = Normalized(node, indices.ToInt64Array(), size, axis);
        int outer = Axes.Product(data.Shape, 0, axis);
        int inner = Axes.Product(data.Shape, axis + 1, data.Rank);
        int[] shape = [.. data.Shape[..axis], .. indices.Shape, .. data.Shape[(axis + 1)..]];
        var result = ElementCopy.Allocate(data.DataType, Tensor.ElementCountOf(shape));
        int written = 0;
        for (int o = 0; o < outer; o++)
        {
            foreach (long pick in picks)
            {
                Array.Copy(data.Data, ((long)o * size + pick) * inner, result, written, inner);
                written += inner;
            }
        }

        return [Tensor.Create(data.DataType, shape, result)];
    }

    private static long[] Normalized(Node node, long[] indices, long size, int axis)
    {
        for (int i = 0; i < indices.Length; i++)
        {
            long index = indices[i] < 0 ? indices[i] + size : indices[i];
            if (index < 0 || index >= size)
            {
                throw new EdgePruneException($"{node.Describe()}: index {indices[i]} is out of range for axis {axis} of size {size} (valid: {-size} to {size - 1})");
            }

            indices[i] = index;
        }

        return indices;
    }

    private static int Axis(Node node, int rank)
    {
        try
        {
            return Axes.Normalize(node.GetInt("axis", 0), rank);
        }
        catch (EdgePruneException e)
        {
            throw new EdgePruneException($"{node.Describe()}: {e.Message}");
        }
    }
}
