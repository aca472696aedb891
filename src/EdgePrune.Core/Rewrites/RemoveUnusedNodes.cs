using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Rewrites;

/// <summary>
/// Removes nodes none of whose outputs reach a graph output, and initializers nothing reads: the dead
/// code other passes leave behind (the old weights of a folded BatchNorm, a Constant's now unused axes).
/// Graph inputs stay even when unused: they are the model's interface.
/// </summary>
public sealed class RemoveUnusedNodes : IGraphPass
{
    public string Name => "remove-unused";

    public Graph Apply(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var live = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var kept = new List<Node>(graph.Nodes.Length);

        // Walking backwards over a topological order sees every reader of a value before its producer.
        for (int i = graph.Nodes.Length - 1; i >= 0; i--)
        {
            var node = graph.Nodes[i];
            if (node.Outputs.Any(live.Contains))
            {
                kept.Add(node);
                live.UnionWith(node.Inputs.Where(n => n.Length > 0));
            }
        }

        var deadInitializers = graph.Initializers.Keys.Where(name => !live.Contains(name)).ToList();
        if (kept.Count == graph.Nodes.Length && deadInitializers.Count == 0)
        {
            return graph;
        }

        kept.Reverse();
        var keptNodes = kept.ToHashSet<Node>(ReferenceEqualityComparer.Instance);
        var deadValues = graph.Nodes.Where(n => !keptNodes.Contains(n)).SelectMany(n => n.Outputs);
        return graph with
        {
            Nodes = [.. kept],
            Initializers = graph.Initializers.RemoveRange(deadInitializers),
            ValueTypes = graph.ValueTypes.RemoveRange(deadValues),
        };
    }
}
