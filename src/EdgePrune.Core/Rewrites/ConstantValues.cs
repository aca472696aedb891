using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Rewrites;

/// <summary>
/// Values known before the graph runs: initializers (unless a graph input of the same name can override
/// them) and the outputs of Constant nodes, so passes match weights in either form exporters write.
/// </summary>
internal static class ConstantValues
{
    /// <summary>The value of <paramref name="name"/> when it is known without running the graph; otherwise null.</summary>
    public static Tensor? Find(GraphIndex index, string name)
    {
        if (index.IsGraphInput(name))
        {
            return null;
        }

        if (index.Graph.Initializers.TryGetValue(name, out var tensor))
        {
            return tensor;
        }

        return index.Producer(name) is { OpType: "Constant", Domain: "" } constant ? FromConstantNode(constant) : null;
    }

    /// <summary>
    /// The tensor a Constant node produces (ONNX Operators.md#Constant: exactly one of value, value_float,
    /// value_floats, value_int, value_ints); null for the forms EdgePrune cannot hold (strings, sparse tensors).
    /// </summary>
    public static Tensor? FromConstantNode(Node node)
    {
        if (node.Attributes.Count != 1)
        {
            return null;
        }

        var (name, value) = node.Attributes.First();
        return (name, value.Kind) switch
        {
            ("value", AttributeKind.Tensor) when value.Tensor!.DataType.IsSupported() => value.Tensor,
            ("value_float", AttributeKind.Float) => Tensor.Scalar(value.Float),
            ("value_floats", AttributeKind.Floats) => Tensor.FromArray(value.Floats.ToArray(), value.Floats.Length),
            ("value_int", AttributeKind.Int) => Tensor.Scalar(value.Int),
            ("value_ints", AttributeKind.Ints) => Tensor.FromArray(value.Ints.ToArray(), value.Ints.Length),
            _ => null,
        };
    }

    /// <summary>The single element of a one-element numeric or bool tensor as a double; null for null or anything larger.</summary>
    public static double? ScalarOf(Tensor? tensor) =>
        tensor is { ElementCount: 1 } && tensor.DataType.IsSupported()
            ? tensor.DataType switch
            {
                DataType.Double => tensor.Span<double>()[0],
                DataType.Int64 => tensor.Span<long>()[0],
                _ => tensor.ToFloatArray()[0],
            }
            : null;
}
