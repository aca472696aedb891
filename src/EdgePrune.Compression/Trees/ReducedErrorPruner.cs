using EdgePrune.Core.Trees;

namespace EdgePrune.Compression.Trees;

/// <summary>
/// Reduced-error pruning (Quinlan 1987): bottom-up, an internal node becomes a leaf whenever that does not add
/// misclassifications on the validation set. The new leaf votes the class proportions of <c>fit</c> statistics
/// (usually the training set), so the validation set decides only which nodes go.
/// </summary>
public static class ReducedErrorPruner
{
    public static DecisionTree Prune(NodeStatistics fit, NodeStatistics validation)
    {
        var tree = fit.Tree;
        var nodes = tree.Nodes;
        var errors = new double[tree.NodeCount];
        var collapsed = new HashSet<int>();
        foreach (int i in tree.PreOrder().Reverse())
        {
            var counts = validation.Counts[i];
            double reaching = counts.Sum();
            if (nodes[i].IsLeaf)
            {
                errors[i] = reaching - counts[Winner(nodes[i].Weights, counts.Length)];
                continue;
            }

            double asSubtree = errors[nodes[i].TrueChild] + errors[nodes[i].FalseChild];
            double asLeaf = reaching - counts[Winner(fit.LeafWeightsFor(i), counts.Length)];
            if (asLeaf <= asSubtree)
            {
                collapsed.Add(i);
                errors[i] = asLeaf;
            }
            else
            {
                errors[i] = asSubtree;
            }
        }

        return tree.Collapse(collapsed, fit.LeafWeightsFor);
    }

    /// <summary>The class a lone leaf predicts: the first with the largest vote.</summary>
    private static int Winner(IEnumerable<LeafWeight> weights, int classes)
    {
        var votes = new float[classes];
        var voted = new bool[classes];
        foreach (var w in weights)
        {
            votes[w.Target] += w.Value;
            voted[w.Target] = true;
        }

        int best = -1;
        for (int k = 0; k < classes; k++)
        {
            if (voted[k] && (best < 0 || votes[k] > votes[best]))
            {
                best = k;
            }
        }

        return Math.Max(best, 0);
    }
}
