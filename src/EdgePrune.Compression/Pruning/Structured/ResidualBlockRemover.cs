using EdgePrune.Core;
using EdgePrune.Core.Inspection;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;
using EdgePrune.Core.Rewrites;

namespace EdgePrune.Compression.Pruning.Structured;

/// <summary>
/// Whole-layer pruning of residual networks: a block y = x + F(x) whose skip is the identity is replaced by its skip
/// path, y = x, and F's nodes disappear. A block qualifies when F is a chain of nodes that reads nothing but x and
/// initializers, and nothing outside the block reads F's values. Blocks are ranked by the root mean square of the
/// weights of F's last weighted layer (its BatchNorm γ when it ends in one): a branch that adds little goes first.
/// </summary>
public static class ResidualBlockRemover
{
    /// <summary>A removable block: the Add, the skip input, the branch's nodes and its score.</summary>
    public sealed record ResidualBlock(Node Add, string Skip, IReadOnlyList<Node> Branch, double Score);

    public static IReadOnlyList<ResidualBlock> Find(Graph graph)
    {
        var blocks = new List<ResidualBlock>();
        foreach (var add in graph.Nodes.Where(n => n.OpType == "Add" && n.Domain.Length == 0 && n.Inputs.Length == 2))
        {
            for (int side = 0; side < 2; side++)
            {
                string skip = add.Inputs[side], branchOutput = add.Inputs[1 - side];
                if (Branch(graph, skip, branchOutput, add) is { Count: > 0 } branch)
                {
                    blocks.Add(new ResidualBlock(add, skip, branch, Score(graph, branch)));
                    break;
                }
            }
        }

        return blocks;
    }

    /// <summary>Removes the <c>floor(fraction · blocks)</c> lowest-scored identity blocks.</summary>
    public static StructuredResult Prune(Graph graph, float fraction)
    {
        if (!(fraction >= 0 && fraction < 1))
        {
            throw new EdgePruneException($"the fraction of residual blocks to remove must be in [0, 1) (got {fraction})");
        }

        var inferred = ShapeInference.Infer(graph, graph.Name);
        var blocks = Find(inferred);
        if (blocks.Count == 0)
        {
            throw new EdgePruneException($"graph '{graph.Name}' has no residual block with an identity skip (Add of a value and a branch computed only from it) to remove");
        }

        var chosen = blocks.OrderBy(b => b.Score).ThenBy(b => inferred.Nodes.IndexOf(b.Add)).Take((int)Math.Floor(fraction * blocks.Count)).ToList();
        var nodes = inferred.Nodes.ToList();
        var outputs = inferred.Outputs;
        foreach (var block in chosen)
        {
            string y = block.Add.Outputs[0];
            int at = nodes.IndexOf(block.Add);
            if (inferred.IsGraphOutput(y))
            {
                nodes[at] = new Node { Name = block.Add.Name, OpType = "Identity", Inputs = [block.Skip], Outputs = [y] };
                continue;
            }

            nodes.RemoveAt(at);
            for (int i = 0; i < nodes.Count; i++)
            {
                if (nodes[i].Inputs.Contains(y))
                {
                    nodes[i] = nodes[i] with { Inputs = [.. nodes[i].Inputs.Select(v => v == y ? block.Skip : v)] };
                }
            }
        }

        var pruned = new RemoveUnusedNodes().Apply(inferred with { Nodes = [.. nodes], Outputs = outputs, ValueTypes = inferred.ValueTypes.Clear() });
        pruned = ShapeInference.Infer(pruned, graph.Name);
        var before = ModelInspector.Inspect(new Model { Graph = graph }, graph.Name);
        var after = ModelInspector.Inspect(new Model { Graph = pruned }, graph.Name);
        var groups = blocks.Select(b => new GroupPruning($"{b.Add.Describe()} (branch {string.Join(", ", b.Branch.Select(n => n.Name))})", 1, chosen.Contains(b) ? 0 : 1)).ToList();
        return new StructuredResult(pruned, new StructuredReport(StructuredUnit.Layers, groups, before.TotalParameters, after.TotalParameters, before.TotalMacs, after.TotalMacs));
    }

    /// <summary>The nodes computing <paramref name="output"/> from <paramref name="skip"/> alone, or null when it reads anything else or leaks.</summary>
    private static List<Node>? Branch(Graph graph, string skip, string output, Node add)
    {
        var branch = new List<Node>();
        var pending = new Stack<string>([output]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool readsSkip = false;
        while (pending.Count > 0)
        {
            string value = pending.Pop();
            if (value == skip)
            {
                readsSkip = true;
                continue;
            }

            if (!seen.Add(value) || graph.Initializers.ContainsKey(value) || value.Length == 0)
            {
                continue;
            }

            if (graph.Producer(value) is not { } producer || branch.Count > 64)
            {
                return null;
            }

            if (!branch.Contains(producer))
            {
                branch.Add(producer);
                foreach (string input in producer.Inputs)
                {
                    pending.Push(input);
                }
            }
        }

        var inside = branch.ToHashSet();
        bool sealedBranch = branch.SelectMany(n => n.Outputs).Where(o => o.Length > 0)
            .All(o => !graph.IsGraphOutput(o) && graph.Consumers(o).All(c => inside.Contains(c) || c == add));
        bool sameShape = graph.TypeOf(skip)?.Shape is { } s && graph.TypeOf(output)?.Shape is { } o2 && s.SequenceEqual(o2);
        return readsSkip && sealedBranch && sameShape ? branch.OrderBy(graph.Nodes.IndexOf).ToList() : null;
    }

    private static double Score(Graph graph, List<Node> branch)
    {
        var last = branch.Last(n => n.Inputs.Skip(1).Any(i => graph.Initializers.TryGetValue(i, out var t) && t.DataType == DataType.Float && t.ElementCount > 1));
        var weights = graph.Initializers[last.Inputs[1]].ToFloatArray();
        return Math.Sqrt(weights.Average(w => (double)w * w));
    }
}
