using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace EdgePrune.Core.Ops;

/// <summary>
/// LayerNormalization (opset 17, ONNX Operators.md#LayerNormalization): each slice X[i0…i(axis−1), :, …] is
/// normalized to zero mean and unit variance, then scaled by Scale and shifted by B (both broadcast to
/// X.shape[axis:]). The optional outputs Mean and InvStdDev have shape X.shape[:axis] + [1, …].
/// </summary>
public sealed class LayerNormalization : Operator
{
    public override string OpType => "LayerNormalization";
    public override int SinceOpset => 17;
    public override int MinInputs => 2;
    public override int MaxInputs => 3;
    public override int MaxOutputs => 3;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "axis", "epsilon", "stash_type" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        if (node.GetInt("stash_type", 1) != 1)
        {
            problems.Add($"stash_type {node.GetInt("stash_type", 1)} is not supported; EdgePrune computes the statistics in float (stash_type 1)");
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i] is { } t && t.ElementType != DataType.Float)
            {
                throw new EdgePruneException($"{node.Describe()}: input #{i} is {t.ElementType.OnnxName()}; EdgePrune implements LayerNormalization for float only");
            }
        }

        if (x.Shape is null)
        {
            return [x, new TensorType(DataType.Float, null), new TensorType(DataType.Float, null)];
        }

        int axis = Axes.Normalize(node.GetInt("axis", -1), x.Shape.Count);
        var normalized = x.Shape.Skip(axis).ToArray();
        for (int i = 1; i < inputs.Count; i++)
        {
            if (inputs[i]?.Shape is { } s && !BroadcastsTo(s, normalized))
            {
                throw new EdgePruneException($"{node.Describe()}: {(i == 1 ? "Scale" : "B")} {inputs[i]} does not broadcast to the normalized shape [{string.Join(", ", normalized)}]");
            }
        }

        var statistics = new TensorType(DataType.Float, [.. x.Shape.Take(axis), .. Enumerable.Repeat(Dim.Of(1), x.Shape.Count - axis)]);
        return [x, statistics, statistics];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        int axis = Axes.Normalize(node.GetInt("axis", -1), x.Rank);
        float epsilon = node.GetFloat("epsilon", 1e-5f);
        int outer = Axes.Product(x.Shape, 0, axis);
        int inner = Axes.Product(x.Shape, axis, x.Rank);
        int[] normalized = x.Shape[axis..].ToArray();
        var scale = Expand(node, inputs[1]!, normalized, "Scale");
        var bias = inputs.Count > 2 && inputs[2] is { } b ? Expand(node, b, normalized, "B") : new float[inner];

        var xs = x.Span<float>();
        var y = new float[xs.Length];
        var mean = new float[outer];
        var invStdDev = new float[outer];
        for (int o = 0; o < outer; o++)
        {
            var row = xs.Slice(o * inner, inner);
            var target = y.AsSpan(o * inner, inner);
            mean[o] = TensorPrimitives.Sum(row) / inner;
            TensorPrimitives.Subtract(row, mean[o], target);
            invStdDev[o] = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares<float>(target) / inner + epsilon);
            TensorPrimitives.Multiply(target, invStdDev[o], target);
            TensorPrimitives.MultiplyAdd(target, scale, bias, target);
        }

        int[] statisticsShape = [.. x.Shape[..axis], .. Enumerable.Repeat(1, x.Rank - axis)];
        return [Tensor.FromArray(y, x.Shape.ToArray()), Tensor.FromArray(mean, statisticsShape), Tensor.FromArray(invStdDev, statisticsShape)];
    }

    public override long CountMacs(Node node, IReadOnlyList<TensorType?> inputs, IReadOnlyList<TensorType> outputs) =>
        outputs[0].IsFullyKnown ? 2 * outputs[0].ConcreteShape().Aggregate(1L, (p, d) => p * d) : 0;

    private static bool BroadcastsTo(IReadOnlyList<Dim> shape, IReadOnlyList<Dim> target)
    {
        if (shape.Count > target.Count)
        {
            return false;
        }

        for (int i = 1; i <= shape.Count; i++)
        {
            var (s, t) = (shape[^i], target[^i]);
            if (s.IsKnown && s.Value != 1 && t.IsKnown && s.Value != t.Value)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The parameter broadcast (unidirectionally) to the normalized shape, as a flat array.</summary>
    private static float[] Expand(Node node, Tensor parameter, int[] normalized, string name)
    {
        if (parameter.Rank > normalized.Length || !BroadcastsTo(parameter.Shape.ToArray().Select(d => Dim.Of(d)).ToArray(), normalized.Select(d => Dim.Of(d)).ToArray()))
        {
            throw new EdgePruneException($"{node.Describe()}: {name} {parameter} does not broadcast to the normalized shape {Tensor.FormatShape(normalized)}");
        }

        var values = parameter.Span<float>();
        var strides = Broadcast.Strides(parameter.Shape, normalized);
        var expanded = new float[Tensor.ElementCountOf(normalized)];
        var index = new int[normalized.Length];
        for (int i = 0; i < expanded.Length; i++)
        {
            int source = 0;
            for (int d = 0; d < normalized.Length; d++)
            {
                source += index[d] * strides[d];
            }

            expanded[i] = values[source];
            for (int d = normalized.Length - 1; d >= 0 && ++index[d] == normalized[d]; d--)
            {
                index[d] = 0;
            }
        }

        return expanded;
    }
}
