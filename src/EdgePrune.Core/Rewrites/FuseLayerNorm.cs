using System.Collections.Immutable;
using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Rewrites;

/// <summary>
/// Fuses the LayerNorm that PyTorch exports below opset 17 as ten elementwise and reduction nodes,
/// <code>
/// mean = ReduceMean(x, axes=[-1]);  d = Sub(x, mean);  var = ReduceMean(Pow(d, 2), axes=[-1])
/// y = Add(Mul(Div(d, Sqrt(Add(var, ε))), γ), β)
/// </code>
/// into one LayerNormalization(x, γ, β; axis = -1, epsilon = ε) (ONNX Operators.md#LayerNormalization).
/// Constants may be initializers or Constant nodes, the axes an attribute or (opset ≥ 18) an input, the
/// axis -1 or its positive spelling; the Mul by γ and the Add of β are optional (γ becomes ones).
/// The fused op computes the variance in its own order, so outputs move by float rounding (≈1e-6 relative).
/// <para>
/// Refuses when an intermediate value has another reader or is a graph output, when a constant is not a
/// scalar where one is expected (ε, the exponent 2), when the size of the normalized axis is not known
/// from the graph's types (γ and β must become [D] tensors), or when the graph's opset is below 13 (see
/// <see cref="RaiseOpsetTo17"/>).
/// </para>
/// </summary>
public sealed class FuseLayerNorm : IGraphPass
{
    private const int LayerNormalizationOpset = 17;

    /// <summary>
    /// Raising the declared opset re-interprets every node of the graph under the newer version. From
    /// 13 to 17 the default-domain ops keep their meaning (versions 14–17 widen types or add attributes
    /// whose defaults reproduce the old behaviour), except RoiAlign, whose default coordinate mode changed
    /// in 16, and BatchNormalization, whose extra outputs mean running statistics from 14. Below 13 the
    /// meaning of Softmax's axis and the form of Squeeze/Unsqueeze/Split/ReduceSum axes change, so no fusion.
    /// </summary>
    private const int MinOpsetToRaise = 13;

    public string Name => "fuse-layernorm";

    public Graph Apply(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (graph.Opset < LayerNormalizationOpset && !CanRaiseOpset(graph))
        {
            return graph;
        }

        var index = new GraphIndex(graph);
        var types = new TypeLookup(graph);
        var swallowed = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var fused = new Dictionary<Node, Node>(ReferenceEqualityComparer.Instance);
        var newInitializers = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var vanished = new List<string>();
        foreach (var node in graph.Nodes)
        {
            if (swallowed.Contains(node) || FindPattern(index, types, node) is not { } match)
            {
                continue;
            }

            string scale = index.FreshName(match.Output + "_scale");
            newInitializers[scale] = match.Scale;
            var inputs = ImmutableArray.Create(match.Input, scale);
            if (match.Bias is not null)
            {
                string bias = index.FreshName(match.Output + "_bias");
                newInitializers[bias] = match.Bias;
                inputs = inputs.Add(bias);
            }

            fused[match.Nodes[^1]] = new Node
            {
                Name = index.FreshName(node.Name + "_LayerNormalization"),
                OpType = "LayerNormalization",
                Inputs = inputs,
                Outputs = [match.Output],
                Attributes = ImmutableDictionary<string, AttributeValue>.Empty
                    .Add("axis", AttributeValue.Of(-1L))
                    .Add("epsilon", AttributeValue.Of(match.Epsilon)),
            };
            swallowed.UnionWith(match.Nodes.Take(match.Nodes.Count - 1));
            vanished.AddRange(match.Nodes.Take(match.Nodes.Count - 1).Select(n => n.Outputs[0]));
        }

        if (fused.Count == 0)
        {
            return graph;
        }

        var nodes = graph.Nodes.Where(n => !swallowed.Contains(n)).Select(n => fused.GetValueOrDefault(n, n));
        var result = graph with
        {
            Nodes = [.. nodes],
            Initializers = graph.Initializers.SetItems(newInitializers),
            ValueTypes = graph.ValueTypes.RemoveRange(vanished),
        };
        return graph.Opset < LayerNormalizationOpset ? RaiseOpsetTo17(result) : result;
    }

    private static bool CanRaiseOpset(Graph graph) =>
        graph.Opset >= MinOpsetToRaise
        && !graph.Nodes.Any(n => n is { OpType: "BatchNormalization", Domain: "" } && n.Outputs.Skip(1).Any(o => o.Length > 0));

    /// <summary>LayerNormalization exists from opset 17 only; see <see cref="MinOpsetToRaise"/> for why that is safe from 13.</summary>
    private static Graph RaiseOpsetTo17(Graph graph)
    {
        // RoiAlign-10 always behaved as 'output_half_pixel', the default 16 replaced; spell it out.
        var nodes = graph.Nodes.Select(n => n is { OpType: "RoiAlign", Domain: "" } && !n.HasAttribute("coordinate_transformation_mode")
            ? n.WithAttribute("coordinate_transformation_mode", AttributeValue.Of("output_half_pixel"))
            : n);
        string key = !graph.Opsets.ContainsKey("") && graph.Opsets.ContainsKey("ai.onnx") ? "ai.onnx" : "";
        return graph with { Nodes = [.. nodes], Opsets = graph.Opsets.SetItem(key, LayerNormalizationOpset) };
    }

    /// <summary>The whole pattern starting at <paramref name="meanNode"/>, or null when any part of it does not hold.</summary>
    private static Match? FindPattern(GraphIndex index, TypeLookup types, Node meanNode)
    {
        if (meanNode is not { OpType: "ReduceMean", Domain: "", Inputs.Length: > 0 }
            || types.TypeOf(meanNode.Inputs[0]) is not { ElementType: DataType.Float, Shape: [.., { Value: long lastDim }] } xType
            || !IsLastAxisMean(index, meanNode, meanNode.Inputs[0], xType.Shape.Count))
        {
            return null;
        }

        string x = meanNode.Inputs[0];
        int d = checked((int)lastDim);
        int rank = xType.Shape.Count;
        if (index.SoleConsumer(meanNode.Outputs[0]) is not { OpType: "Sub", Domain: "" } sub || !sub.Inputs.SequenceEqual([x, meanNode.Outputs[0]]))
        {
            return null;
        }

        string diff = sub.Outputs[0];
        if (index.IsGraphOutput(diff) || index.Consumers(diff) is not [var first, var second])
        {
            return null;
        }

        var (pow, div) = first.OpType == "Pow" ? (first, second) : (second, first);
        if (pow is not { OpType: "Pow", Domain: "", Inputs: [var powBase, var exponent] } || powBase != diff
            || ConstantValues.Find(index, exponent) is not { Rank: <= 1 } two || ConstantValues.ScalarOf(two) != 2.0
            || index.SoleConsumer(pow.Outputs[0]) is not { } varianceNode || !IsLastAxisMean(index, varianceNode, pow.Outputs[0], rank)
            || index.SoleConsumer(varianceNode.Outputs[0]) is not { OpType: "Add", Domain: "" } addEpsilon
            || OtherInput(addEpsilon, varianceNode.Outputs[0]) is not { } epsilonName
            || ConstantValues.Find(index, epsilonName) is not { DataType: DataType.Float, Rank: <= 1 } epsilon || ConstantValues.ScalarOf(epsilon) is not double eps
            || index.SoleConsumer(addEpsilon.Outputs[0]) is not { OpType: "Sqrt", Domain: "" } sqrt
            || index.SoleConsumer(sqrt.Outputs[0]) is not { } divFound || !ReferenceEquals(divFound, div)
            || div is not { OpType: "Div", Domain: "" } || !div.Inputs.SequenceEqual([diff, sqrt.Outputs[0]]))
        {
            return null;
        }

        var nodes = new List<Node> { meanNode, sub, pow, varianceNode, addEpsilon, sqrt, div };
        Tensor scale = Tensor.FromArray(Enumerable.Repeat(1f, d).ToArray(), d);
        Tensor? bias = null;
        if (AffineStep(index, nodes[^1].Outputs[0], "Mul", d, rank) is var (mul, gamma))
        {
            nodes.Add(mul);
            scale = gamma;
        }

        if (AffineStep(index, nodes[^1].Outputs[0], "Add", d, rank) is var (add, beta))
        {
            nodes.Add(add);
            bias = beta;
        }

        return new Match(nodes, x, nodes[^1].Outputs[0], scale, bias, (float)eps);
    }

    /// <summary>
    /// The sole reader of <paramref name="value"/> when it is <paramref name="opType"/>(value, constant) or
    /// (constant, value) with a float constant that is one value per element of the last axis (shape [D],
    /// [1, …, 1, D], or a single value repeated), not raising the rank; the constant is returned as [D].
    /// </summary>
    private static (Node Node, Tensor PerElement)? AffineStep(GraphIndex index, string value, string opType, int d, int rank)
    {
        if (index.SoleConsumer(value) is not { Domain: "" } node || node.OpType != opType
            || OtherInput(node, value) is not { } constantName || ConstantValues.Find(index, constantName) is not { DataType: DataType.Float } constant
            || constant.Rank > rank)
        {
            return null;
        }

        var shape = constant.Shape;
        for (int i = 0; i < shape.Length - 1; i++)
        {
            if (shape[i] != 1)
            {
                return null;
            }
        }

        if (constant.ElementCount == d)
        {
            return (node, constant.Reshape(d));
        }

        return constant.ElementCount == 1
            ? (node, Tensor.FromArray(Enumerable.Repeat(constant.Span<float>()[0], d).ToArray(), d))
            : null;
    }

    /// <summary>The input of a two-input node that is not <paramref name="value"/>; null when both are.</summary>
    private static string? OtherInput(Node node, string value) => node.Inputs switch
    {
        [var a, var b] when a == value && b != value => b,
        [var a, var b] when b == value && a != value => a,
        _ => null,
    };

    /// <summary>ReduceMean of <paramref name="input"/> (of rank <paramref name="rank"/>) over exactly the last axis, keeping dims.</summary>
    private static bool IsLastAxisMean(GraphIndex index, Node node, string input, int rank)
    {
        if (node is not { OpType: "ReduceMean", Domain: "" } || node.Inputs.Length == 0 || node.Inputs[0] != input
            || node.Outputs.Length != 1 || node.GetInt("keepdims", 1) != 1)
        {
            return false;
        }

        // Opset 18 moved axes from an attribute to an optional second input.
        long[]? axes = node.GetInts("axes")
            ?? (node.OptionalInput(1) is string axesInput && ConstantValues.Find(index, axesInput) is { DataType: DataType.Int64 or DataType.Int32 } axesValue
                ? axesValue.ToInt64Array()
                : null);
        return axes is [long axis] && (axis == -1 || axis == rank - 1);
    }

    private sealed record Match(List<Node> Nodes, string Input, string Output, Tensor Scale, Tensor? Bias, float Epsilon);
}
