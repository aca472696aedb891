using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Constant: a tensor given as an attribute. ONNX Operators.md#Constant. 'value' (a tensor) in every opset;
/// from opset 12 also value_float / value_int (scalars) and value_floats / value_ints (1-D). Sparse and string
/// constants are reported as unsupported: EdgePrune's tensors are dense and numeric.
/// </summary>
public sealed class Constant : Operator
{
    private static readonly string[] ValueAttributes =
        ["value", "sparse_value", "value_float", "value_floats", "value_int", "value_ints", "value_string", "value_strings"];

    public override string OpType => "Constant";
    public override int MinInputs => 0;
    public override int MaxInputs => 0;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string>(ValueAttributes);

    public override void Validate(Node node, int opset, List<string> problems)
    {
        var given = ValueAttributes.Where(node.HasAttribute).ToList();
        if (given.Count != 1)
        {
            problems.Add($"exactly one of {string.Join(", ", ValueAttributes)} must be given, got {(given.Count == 0 ? "none" : string.Join(", ", given))}");
            return;
        }

        string name = given[0];
        if (name == "sparse_value")
        {
            problems.Add("sparse constants (sparse_value) are not supported; store the constant as a dense 'value' tensor");
        }
        else if (name is "value_string" or "value_strings")
        {
            problems.Add($"string constants ({name}) are not supported; EdgePrune tensors are numeric");
        }
        else if (name != "value" && opset < 12)
        {
            problems.Add($"attribute '{name}' exists only from opset 12, but the model declares opset {opset}");
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var value = Value(node);
        return [TensorType.Of(value.DataType, value.Shape.ToArray())];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs) => [Value(node)];

    private static Tensor Value(Node node)
    {
        if (node.GetTensor("value") is { } tensor)
        {
            return tensor;
        }

        if (node.HasAttribute("value_float"))
        {
            return Tensor.Scalar(node.GetFloat("value_float", 0f));
        }

        if (node.GetFloats("value_floats") is { } floats)
        {
            return Tensor.FromArray(floats, floats.Length);
        }

        if (node.HasAttribute("value_int"))
        {
            return Tensor.Scalar(node.GetInt("value_int", 0));
        }

        if (node.GetInts("value_ints") is { } ints)
        {
            return Tensor.FromArray(ints, ints.Length);
        }

        throw new EdgePruneException($"{node.Describe()}: has no value EdgePrune can read (a dense 'value' tensor, or from opset 12 value_float(s) / value_int(s))");
    }
}
