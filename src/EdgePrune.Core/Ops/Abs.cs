using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Abs: y = |x|. ONNX Operators.md#Abs. Signed integers wrap (|MinValue| is MinValue), as in ONNX Runtime;
/// unsigned integers pass through.
/// </summary>
public sealed class Abs : Operator
{
    private static readonly DataType[] ElementTypes =
    [
        DataType.Float, DataType.Double, DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64,
        DataType.UInt8, DataType.UInt16, DataType.UInt32, DataType.UInt64,
    ];

    public override string OpType => "Abs";
    public override int MinInputs => 1;
    public override int MaxInputs => 1;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string>();

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        if (!ElementTypes.Contains(x.ElementType))
        {
            throw new EdgePruneException($"{node.Describe()}: input is {x.ElementType.OnnxName()}; EdgePrune implements Abs for {string.Join(", ", ElementTypes.Select(t => t.OnnxName()))}");
        }

        return [x];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var shape = x.Shape.ToArray();
        return x.DataType switch
        {
            DataType.Float => [Tensor.FromArray(Array.ConvertAll(x.Span<float>().ToArray(), MathF.Abs), shape)],
            DataType.Double => [Tensor.FromArray(Array.ConvertAll(x.Span<double>().ToArray(), Math.Abs), shape)],
            DataType.Int8 => [Tensor.FromArray(Array.ConvertAll(x.Span<sbyte>().ToArray(), v => unchecked((sbyte)(v < 0 ? -v : v))), shape)],
            DataType.Int16 => [Tensor.FromArray(Array.ConvertAll(x.Span<short>().ToArray(), v => unchecked((short)(v < 0 ? -v : v))), shape)],
            DataType.Int32 => [Tensor.FromArray(Array.ConvertAll(x.Span<int>().ToArray(), v => unchecked(v < 0 ? -v : v)), shape)],
            DataType.Int64 => [Tensor.FromArray(Array.ConvertAll(x.Span<long>().ToArray(), v => unchecked(v < 0 ? -v : v)), shape)],
            DataType.UInt8 or DataType.UInt16 or DataType.UInt32 or DataType.UInt64 => [x],
            _ => throw new EdgePruneException($"{node.Describe()}: input is {x.DataType.OnnxName()}, which Abs does not support"),
        };
    }
}
