using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Neg: y = -x. ONNX Operators.md#Neg. Signed integers wrap (−MinValue is MinValue), as two's-complement
/// negation does in ONNX Runtime.
/// </summary>
public sealed class Neg : Operator
{
    private static readonly DataType[] ElementTypes = [DataType.Float, DataType.Double, DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64];

    public override string OpType => "Neg";
    public override int MinInputs => 1;
    public override int MaxInputs => 1;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string>();

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        if (!ElementTypes.Contains(x.ElementType))
        {
            throw new EdgePruneException($"{node.Describe()}: input is {x.ElementType.OnnxName()}; EdgePrune implements Neg for {string.Join(", ", ElementTypes.Select(t => t.OnnxName()))}");
        }

        return [x];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var shape = x.Shape.ToArray();
        return x.DataType switch
        {
            DataType.Float => [Tensor.FromArray(Array.ConvertAll(x.Span<float>().ToArray(), v => -v), shape)],
            DataType.Double => [Tensor.FromArray(Array.ConvertAll(x.Span<double>().ToArray(), v => -v), shape)],
            DataType.Int8 => [Tensor.FromArray(Array.ConvertAll(x.Span<sbyte>().ToArray(), v => unchecked((sbyte)-v)), shape)],
            DataType.Int16 => [Tensor.FromArray(Array.ConvertAll(x.Span<short>().ToArray(), v => unchecked((short)-v)), shape)],
            DataType.Int32 => [Tensor.FromArray(Array.ConvertAll(x.Span<int>().ToArray(), v => unchecked(-v)), shape)],
            DataType.Int64 => [Tensor.FromArray(Array.ConvertAll(x.Span<long>().ToArray(), v => unchecked(-v)), shape)],
            _ => throw new EdgePruneException($"{node.Describe()}: input is {x.DataType.OnnxName()}, which Neg does not support"),
        };
    }
}
