using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Clip: y = min(max(x, min), max). ONNX Operators.md#Clip. Before opset 11 the bounds are the float
/// attributes 'min' and 'max' (defaults ∓float.MaxValue); from opset 11 they are optional scalar inputs, either
/// of which may be omitted (""), and from opset 12 integer tensors are accepted. When min > max every
/// element becomes max, as the spec states; attribute bounds with min > max are rejected, as ONNX Runtime does.
/// </summary>
public sealed class Clip : Operator
{
    private const int BoundsAsInputsOpset = 11;
    private static readonly DataType[] ElementTypes = [DataType.Float, DataType.Int32, DataType.Int64];

    public override string OpType => "Clip";
    public override int MinInputs => 1;
    public override int MaxInputs => 3;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "min", "max" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        if (opset >= BoundsAsInputsOpset)
        {
            foreach (string bound in new[] { "min", "max" }.Where(node.HasAttribute))
            {
                problems.Add($"attribute '{bound}' belongs to opsets before {BoundsAsInputsOpset}; from opset {BoundsAsInputsOpset} the bounds are inputs (the model declares opset {opset})");
            }
        }
        else if (node.Inputs.Length > 1)
        {
            problems.Add($"before opset {BoundsAsInputsOpset} Clip takes one input and 'min'/'max' attributes, got {node.Inputs.Length} inputs (the model declares opset {opset})");
        }
        else if (node.GetFloat("min", float.MinValue) > node.GetFloat("max", float.MaxValue))
        {
            // ONNX Runtime refuses such a node when it loads it; the opset-11 form defines the result instead.
            problems.Add($"attribute min ({node.GetFloat("min", 0)}) is greater than max ({node.GetFloat("max", 0)})");
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        if (!ElementTypes.Contains(x.ElementType) || (opset < 12 && x.ElementType != DataType.Float))
        {
            throw new EdgePruneException($"{node.Describe()}: input is {x.ElementType.OnnxName()}; EdgePrune implements Clip for float, and from opset 12 also int32 and int64 (the model declares opset {opset})");
        }

        for (int i = 1; i < inputs.Count; i++)
        {
            var bound = inputs[i];
            if (bound is null)
            {
                continue;
            }

            if (bound.ElementType != x.ElementType)
            {
                throw new EdgePruneException($"{node.Describe()}: {BoundName(i)} is {bound.ElementType.OnnxName()} but the input is {x.ElementType.OnnxName()}; both must have the same type");
            }

            if (bound.Shape is not null && (bound.Shape.Count > 1 || (bound.Shape.Count == 1 && bound.Shape[0].Value is { } n && n != 1)))
            {
                throw new EdgePruneException($"{node.Describe()}: {BoundName(i)} must be a scalar, got shape {bound}");
            }
        }

        return [x];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var min = inputs.Count > 1 ? inputs[1] : null;
        var max = inputs.Count > 2 ? inputs[2] : null;
        foreach (var (bound, i) in new[] { (min, 1), (max, 2) })
        {
            if (bound is not null && bound.ElementCount != 1)
            {
                throw new EdgePruneException($"{node.Describe()}: {BoundName(i)} must be a scalar, got shape {Tensor.FormatShape(bound.Shape)}");
            }
        }

        var shape = x.Shape.ToArray();
        if (x.DataType == DataType.Float)
        {
            float low = opset < BoundsAsInputsOpset ? node.GetFloat("min", float.MinValue) : min?.Span<float>()[0] ?? float.MinValue;
            float high = opset < BoundsAsInputsOpset ? node.GetFloat("max", float.MaxValue) : max?.Span<float>()[0] ?? float.MaxValue;
            return [Tensor.FromArray(Array.ConvertAll(x.Span<float>().ToArray(), v => MathF.Min(MathF.Max(v, low), high)), shape)];
        }

        long lowInt = min?.ToInt64Array()[0] ?? long.MinValue;
        long highInt = max?.ToInt64Array()[0] ?? long.MaxValue;
        var clipped = Array.ConvertAll(x.ToInt64Array(), v => Math.Min(Math.Max(v, lowInt), highInt));
        return [x.DataType == DataType.Int64 ? Tensor.FromArray(clipped, shape) : Tensor.FromArray(Array.ConvertAll(clipped, v => (int)v), shape)];
    }

    private static string BoundName(int input) => input == 1 ? "min (input #1)" : "max (input #2)";
}
