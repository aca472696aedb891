using System.Collections.Immutable;
using EdgePrune.Core;
using EdgePrune.Core.Trees;
using EdgePrune.Training.Trees;

namespace EdgePrune.Compression.Trees;

/// <summary>
/// How many samples of each class reach every node of one classification tree, from routing a dataset through it.
/// Routing the training set reproduces the counts the tree was grown on, so pruning needs no side channel from training.
/// </summary>
public sealed class NodeStatistics
{
    private NodeStatistics(DecisionTree tree, double[][] counts, int total)
    {
        Tree = tree;
        Counts = counts;
        Total = total;
    }

    public DecisionTree Tree { get; }

    /// <summary>Counts[node][class].</summary>
    public double[][] Counts { get; }

    /// <summary>Samples routed (the count at the root).</summary>
    public int Total { get; }

    public static NodeStatistics Collect(DecisionTree tree, TreeDataset data, int classCount)
    {
        if (data.Classes is null)
        {
            throw new EdgePruneException("tree pruning needs class labels; regression trees are not pruned");
        }

        var counts = new double[tree.NodeCount][];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = new double[classCount];
        }

        var nodes = tree.Nodes;
        for (int r = 0; r < data.Rows; r++)
        {
            var x = data.Row(r);
            int y = data.Classes[r];
            int i = 0;
            while (true)
            {
                counts[i][y]++;
                var node = nodes[i];
                if (node.IsLeaf)
                {
                    break;
                }

                float v = x[node.Feature];
                i = node.Mode.Holds(v, node.Threshold) || (node.MissingTracksTrue && float.IsNaN(v)) ? node.TrueChild : node.FalseChild;
            }
        }

        return new NodeStatistics(tree, counts, data.Rows);
    }

    public double CountAt(int node) => Counts[node].Sum();

    /// <summary>
    /// The dense votes a node gets when it becomes a leaf: its class proportions, scaled to the vote total of the
    /// tree's existing leaves (1 for a lone tree, 1/trees in a forest). A node no sample reaches averages its leaves.
    /// </summary>
    public ImmutableArray<LeafWeight> LeafWeightsFor(int node)
    {
        int classes = Counts[node].Length;
        var leaves = LeavesUnder(node);
        float scale = leaves.Select(l => Tree.Nodes[l].Weights.Sum(w => w.Value)).DefaultIfEmpty(1f).Max();
        double n = CountAt(node);
        var dense = new float[classes];
        if (n > 0)
        {
            for (int k = 0; k < classes; k++)
            {
                dense[k] = (float)(Counts[node][k] / n) * scale;
            }
        }
        else
        {
            foreach (int leaf in leaves)
            {
                foreach (var w in Tree.Nodes[leaf].Weights)
                {
                    dense[w.Target] += w.Value / leaves.Count;
                }
            }
        }

        return [.. dense.Select((v, k) => new LeafWeight(k, v))];
    }

    public List<int> LeavesUnder(int node)
    {
        var leaves = new List<int>();
        var stack = new Stack<int>();
        stack.Push(node);
        while (stack.Count > 0)
        {
            int i = stack.Pop();
            if (Tree.Nodes[i].IsLeaf)
            {
                leaves.Add(i);
            }
            else
            {
                stack.Push(Tree.Nodes[i].FalseChild);
                stack.Push(Tree.Nodes[i].TrueChild);
            }
        }

        return leaves;
    }
}
