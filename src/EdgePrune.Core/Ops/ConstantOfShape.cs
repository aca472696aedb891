using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// ConstantOfShape: a tensor of the shape given by the int64 input, every element equal to the one-element
/// 'value' attribute (whose type it takes), float 0 when absent. ONNX Operators.md#ConstantOfShape.
/// </summary>
public sealed class ConstantOfShape : Operator
{
    public override string OpType => "ConstantOfShape";
    public override int SinceOpset => 9;
    public override int MinInputs => 1;
    public override int MaxInputs => 1;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "value" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        if (node.GetTensor("value") is { ElementCount: not 1 } value)
        {
            problems.Add($"'value' must hold exactly one element, got {value}");
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var shape = inputs[0]!;
        if (shape.ElementType != DataType.Int64 || shape.Rank is not (null or 1))
        {
            throw new EdgePruneException($"{node.Describe()}: the input must be a 1-D int64 shape, got {shape}");
        }

        var elementType = node.GetTensor("value")?.DataType ?? DataType.Float;
        if (constants[0] is { } known)
        {
            return [TensorType.Of(elementType, Dims(node, known))];
        }

        var rank = shape.Shape?[0];
        return [new TensorType(elementType, rank is { IsKnown: true } ? Enumerable.Repeat(Dim.Unknown, (int)rank.Value.Value!.Value).ToArray() : null)];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var dims = Dims(node, inputs[0]!);
        var value = node.GetTensor("value");
        if (value is null)
        {
            return [Tensor.Zeros(DataType.Float, dims)];
        }

        var data = ElementCopy.Allocate(value.DataType, Tensor.ElementCountOf(dims));
        ElementCopy.Fill(data, value.Data);
        return [Tensor.Create(value.DataType, dims, data)];
    }

    private static int[] Dims(Node node, Tensor shape)
    {
        var dims = shape.ToInt64Array();
        return dims.All(d => d is >= 0 and <= int.MaxValue)
            ? dims.Select(d => (int)d).ToArray()
            : throw new EdgePruneException($"{node.Describe()}: shape [{string.Join(", ", dims)}] has a negative or oversized dimension");
    }
}
