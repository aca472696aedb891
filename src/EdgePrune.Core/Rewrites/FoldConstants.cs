using System.Collections.Frozen;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;

namespace EdgePrune.Core.Rewrites;

/// <summary>
/// Evaluates, once and ahead of time, every node whose inputs are all known constants, and replaces it by
/// initializers holding its outputs; Constant nodes become initializers too. Chains fold in one pass
/// because nodes are visited in topological order. A node is left alone when its op has no reference
/// kernel, when its kernel rejects the node (loading reports that, not this pass), when it is random, or
/// when an output would exceed <see cref="MaxFoldedElements"/> (folding an Expand or Tile of a small
/// constant would turn a few bytes of model into megabytes of weights).
/// </summary>
public sealed class FoldConstants : IGraphPass
{
    /// <summary>Largest output, in elements, that is folded (16 Mi elements = 64 MiB of float).</summary>
    public const long MaxFoldedElements = 16L * 1024 * 1024;

    /// <summary>Ops whose output is not a function of their inputs; Dropout is random when training, and RemoveIdentityAndDropout owns it.</summary>
    private static readonly FrozenSet<string> NotFunctions = FrozenSet.Create(StringComparer.Ordinal,
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout");

    public string Name => "fold-constants";

    public Graph Apply(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var graphInputs = graph.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);

        // An initializer that is also a graph input is a default the caller may override (IR < 4), not a constant.
        var constants = graph.Initializers.Where(kv => !graphInputs.Contains(kv.Key))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var folded = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var kept = new List<Node>(graph.Nodes.Length);
        foreach (var node in graph.Nodes)
        {
            var outputs = Evaluate(graph, node, constants);
            if (outputs is null)
            {
                kept.Add(node);
                continue;
            }

            foreach (var (name, value) in outputs)
            {
                constants[name] = value;
                folded[name] = value;
            }
        }

        return folded.Count == 0
            ? graph
            : graph with
            {
                Nodes = [.. kept],
                Initializers = graph.Initializers.SetItems(folded),
                ValueTypes = graph.ValueTypes.RemoveRange(folded.Keys),
            };
    }

    /// <summary>The node's outputs by name when it can be folded; otherwise null.</summary>
    private static List<KeyValuePair<string, Tensor>>? Evaluate(Graph graph, Node node, Dictionary<string, Tensor> constants)
    {
        if (node.Domain.Length == 0 && node.OpType == "Constant")
        {
            var value = ConstantValues.FromConstantNode(node);
            return value is null || node.Outputs is not [{ Length: > 0 } output] ? null : [new(output, value)];
        }

        if ((node.Domain.Length == 0 && NotFunctions.Contains(node.OpType))
            || node.Inputs.All(i => i.Length == 0)
            || node.Inputs.Any(i => i.Length > 0 && !constants.ContainsKey(i))
            || node.Outputs.Any(o => o.Length > 0 && graph.TypeOf(o) is { IsFullyKnown: true } t && ElementCount(t) > MaxFoldedElements))
        {
            return null;
        }

        var op = OpSet.Default.Find(node.Domain, node.OpType);
        if (op is null)
        {
            return null;
        }

        int opset = node.Domain.Length == 0 ? graph.Opset : graph.Opsets.GetValueOrDefault(node.Domain, 1);
        var args = node.Inputs.Select(i => i.Length > 0 ? constants[i] : null).ToArray();
        Tensor[] results;
        try
        {
            results = op.Execute(node, opset, args);
        }
        catch (EdgePruneException)
        {
            // The node stays as it is; validation names the node and its problem when the graph is loaded or run.
            return null;
        }

        var outputs = new List<KeyValuePair<string, Tensor>>();
        for (int k = 0; k < node.Outputs.Length; k++)
        {
            if (node.Outputs[k].Length == 0)
            {
                continue;
            }

            if (k >= results.Length || results[k].ElementCount > MaxFoldedElements)
            {
                return null;
            }

            outputs.Add(new(node.Outputs[k], results[k]));
        }

        return outputs;
    }

    private static long ElementCount(TensorType type) => type.Shape!.Aggregate(1L, (n, d) => n * d.Value!.Value);
}
