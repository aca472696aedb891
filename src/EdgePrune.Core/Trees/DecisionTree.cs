using System.Collections.Immutable;

namespace EdgePrune.Core.Trees;

/// <summary>
/// One tree: nodes indexed 0..N-1, the root at index 0. Build it with <see cref="Create"/>, which checks that every
/// child index is in range and that the nodes form a tree (no cycles, no shared or unreachable nodes).
/// </summary>
public sealed class DecisionTree
{
    private DecisionTree(ImmutableArray<TreeNode> nodes, int depth)
    {
        Nodes = nodes;
        Depth = depth;
    }

    public ImmutableArray<TreeNode> Nodes { get; }

    public int NodeCount => Nodes.Length;

    public int LeafCount => Nodes.Count(n => n.IsLeaf);

    /// <summary>Edges on the longest root-to-leaf path (a single leaf has depth 0).</summary>
    public int Depth { get; }

    /// <param name="where">How errors name the tree, e.g. "tree 3".</param>
    public static DecisionTree Create(IReadOnlyList<TreeNode> nodes, string where = "tree")
    {
        if (nodes.Count == 0)
        {
            throw new EdgePruneException($"{where} has no nodes");
        }

        var depthOf = new int[nodes.Count];
        var seen = new bool[nodes.Count];
        var stack = new Stack<int>();
        stack.Push(0);
        seen[0] = true;
        int depth = 0;
        while (stack.Count > 0)
        {
            int i = stack.Pop();
            var node = nodes[i];
            depth = Math.Max(depth, depthOf[i]);
            if (node.IsLeaf)
            {
                continue;
            }

            foreach (int child in (ReadOnlySpan<int>)[node.TrueChild, node.FalseChild])
            {
                if (child < 0 || child >= nodes.Count)
                {
                    throw new EdgePruneException($"{where}: node {i} points to child {child}, which does not exist (the tree has {nodes.Count} nodes)");
                }

                if (seen[child])
                {
                    throw new EdgePruneException($"{where}: node {child} is reached twice (from node {i}); the nodes form a cycle or share a child, so they are not a tree");
                }

                seen[child] = true;
                depthOf[child] = depthOf[i] + 1;
                stack.Push(child);
            }
        }

        int unreachable = Array.IndexOf(seen, false);
        if (unreachable >= 0)
        {
            throw new EdgePruneException($"{where}: node {unreachable} cannot be reached from the root");
        }

        return new DecisionTree([.. nodes], depth);
    }

    /// <summary>Index of the leaf that <paramref name="features"/> (one sample) lands in.</summary>
    public int LeafIndex(ReadOnlySpan<float> features)
    {
        int i = 0;
        var nodes = Nodes.AsSpan();
        while (true)
        {
            var node = nodes[i];
            if (node.IsLeaf)
            {
                return i;
            }

            float x = features[node.Feature];
            bool goTrue = node.Mode.Holds(x, node.Threshold) || (node.MissingTracksTrue && float.IsNaN(x));
            i = goTrue ? node.TrueChild : node.FalseChild;
        }
    }

    /// <summary>The parent of every node (-1 for the root).</summary>
    public int[] Parents()
    {
        var parents = new int[NodeCount];
        parents[0] = -1;
        for (int i = 0; i < NodeCount; i++)
        {
            if (!Nodes[i].IsLeaf)
            {
                parents[Nodes[i].TrueChild] = i;
                parents[Nodes[i].FalseChild] = i;
            }
        }

        return parents;
    }

    /// <summary>Nodes in pre-order (parent before children, true child first).</summary>
    public int[] PreOrder()
    {
        var order = new List<int>(NodeCount);
        var stack = new Stack<int>();
        stack.Push(0);
        while (stack.Count > 0)
        {
            int i = stack.Pop();
            order.Add(i);
            if (!Nodes[i].IsLeaf)
            {
                stack.Push(Nodes[i].FalseChild);
                stack.Push(Nodes[i].TrueChild);
            }
        }

        return [.. order];
    }

    /// <summary>
    /// A copy where every node in <paramref name="collapse"/> becomes a leaf with the weights <paramref name="leafWeights"/>
    /// gives for it; the nodes below it disappear and the remaining nodes are renumbered in pre-order.
    /// </summary>
    public DecisionTree Collapse(IReadOnlySet<int> collapse, Func<int, ImmutableArray<LeafWeight>> leafWeights)
    {
        var newIndex = new Dictionary<int, int>();
        var order = new List<int>();
        var stack = new Stack<int>();
        stack.Push(0);
        while (stack.Count > 0)
        {
            int i = stack.Pop();
            newIndex[i] = order.Count;
            order.Add(i);
            if (!Nodes[i].IsLeaf && !collapse.Contains(i))
            {
                stack.Push(Nodes[i].FalseChild);
                stack.Push(Nodes[i].TrueChild);
            }
        }

        var nodes = order.Select(i =>
        {
            var n = Nodes[i];
            if (collapse.Contains(i) && !n.IsLeaf)
            {
                return new TreeNode { Mode = TreeNodeMode.Leaf, Weights = leafWeights(i) };
            }

            return n.IsLeaf ? n : n with { TrueChild = newIndex[n.TrueChild], FalseChild = newIndex[n.FalseChild] };
        }).ToList();
        return Create(nodes);
    }

    /// <summary>A copy with every node passed through <paramref name="map"/> (structure must stay the same).</summary>
    public DecisionTree Map(Func<TreeNode, TreeNode> map) => Create(Nodes.Select(map).ToList());
}
