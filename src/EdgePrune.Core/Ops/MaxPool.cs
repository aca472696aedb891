using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// MaxPool: the largest input under each (strided, dilated, padded) window; padding never wins.
/// ONNX Operators.md#MaxPool: opset 8 adds storage_order and the Indices output, opset 10 ceil_mode and
/// dilations. EdgePrune computes the values only; a model that reads Indices is reported at load.
/// </summary>
public sealed class MaxPool : Operator
{
    public override string OpType => "MaxPool";
    public override int MinInputs => 1;
    public override int MaxInputs => 1;
    public override int MaxOutputs => 2;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        if (node.Outputs.Length > 1 && node.Outputs[1].Length > 0)
        {
            problems.Add("the Indices output (argmax positions) is not supported; EdgePrune computes MaxPool's values only");
        }

        foreach (string attribute in new[] { "ceil_mode", "dilations" })
        {
            if (opset < 10 && node.HasAttribute(attribute))
            {
                problems.Add($"attribute '{attribute}' exists only from opset 10, but the model declares opset {opset}");
            }
        }

        if (node.GetInt("storage_order", 0) is not (0 or 1))
        {
            problems.Add($"storage_order must be 0 (row major) or 1 (column major), got {node.GetInt("storage_order", 0)}");
        }

        Pooling.ValidateAttributes(node, problems);
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants) =>
        [Pooling.InferType(node, inputs[0]!, rank => ConvGeometry.Read(node, rank, null))];

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var geometry = ConvGeometry.Read(node, x.Rank - 2, null);
        return [Pooling.Run(node, x, geometry, (values, _) => values.IsEmpty ? float.NegativeInfinity : System.Numerics.Tensors.TensorPrimitives.Max(values))];
    }
}
