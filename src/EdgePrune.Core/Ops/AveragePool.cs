using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// AveragePool: the mean of each (strided, padded) window. ONNX Operators.md#AveragePool: opset 7 adds
/// count_include_pad (divide by the taps inside image + pads rather than inside the image only), opset 10
/// ceil_mode, opset 19 dilations.
/// </summary>
public sealed class AveragePool : Operator
{
    public override string OpType => "AveragePool";
    public override int MinInputs => 1;
    public override int MaxInputs => 1;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        foreach (var (attribute, since) in new[] { ("ceil_mode", 10), ("dilations", 19) })
        {
            if (opset < since && node.HasAttribute(attribute))
            {
                problems.Add($"attribute '{attribute}' exists only from opset {since}, but the model declares opset {opset}");
            }
        }

        Pooling.ValidateAttributes(node, problems);
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants) =>
        [Pooling.InferType(node, inputs[0]!, rank => ConvGeometry.Read(node, rank, null))];

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var geometry = ConvGeometry.Read(node, x.Rank - 2, null);
        bool includePad = node.GetInt("count_include_pad", 0) != 0;
        return [Pooling.Run(node, x, geometry, (values, paddedCount) =>
            System.Numerics.Tensors.TensorPrimitives.Sum(values) / (includePad ? paddedCount : values.Length))];
    }

    public override long CountMacs(Node node, IReadOnlyList<TensorType?> inputs, IReadOnlyList<TensorType> outputs)
    {
        var y = outputs[0];
        var kernel = node.GetInts("kernel_shape");
        return y.IsFullyKnown && kernel is not null
            ? y.ConcreteShape().Aggregate(1L, (p, d) => p * d) * kernel.Aggregate(1L, (p, k) => p * k)
            : 0;
    }
}
