using System.Collections.Immutable;
using EdgePrune.Core;
using EdgePrune.Core.Trees;
using EdgePrune.Training.Trees;

namespace EdgePrune.Compression.Trees;

/// <summary>Indices of the forest's trees that remain, and the validation accuracy of the forest they make.</summary>
public sealed record TreeSubset(ImmutableArray<int> Kept, double Accuracy);

/// <summary>
/// Shrinks a forest by dropping whole trees: greedy backward elimination that each round removes the tree whose absence
/// keeps validation accuracy highest, while accuracy stays at least <c>original − tolerance</c>. The remaining trees'
/// votes are rescaled so a forest's averaged probabilities still sum to one.
/// </summary>
public static class TreeDropper
{
    public static TreeEnsemble DropTrees(TreeEnsemble forest, TreeDataset validation, double tolerance = 0)
    {
        var order = EliminationOrder(forest, validation);
        double floor = order[0].Accuracy - tolerance;
        int last = 0;
        while (last + 1 < order.Count && order[last + 1].Accuracy >= floor)
        {
            last++;
        }

        return Keep(forest, order[last].Kept);
    }

    /// <summary>
    /// Greedy backward elimination down to one tree, without stopping: entry k is the forest after k removals (entry 0 the
    /// whole forest), each round removing the tree whose absence keeps validation accuracy highest.
    /// </summary>
    public static IReadOnlyList<TreeSubset> EliminationOrder(TreeEnsemble forest, TreeDataset validation)
    {
        if (forest.Kind != TreeEnsembleKind.Classifier)
        {
            throw new EdgePruneException("dropping trees is implemented for classifiers");
        }

        int trees = forest.Trees.Length;
        int classes = forest.TargetCount;
        int rows = validation.Rows;

        // Each tree's votes per row, so removing a tree is a subtraction, not a re-evaluation.
        var votes = new float[trees][];
        Parallel.For(0, trees, t =>
        {
            var v = new float[rows * classes];
            var tree = forest.Trees[t];
            for (int r = 0; r < rows; r++)
            {
                foreach (var w in tree.Nodes[tree.LeafIndex(validation.Row(r))].Weights)
                {
                    v[(r * classes) + w.Target] += w.Value;
                }
            }

            votes[t] = v;
        });
        var total = new double[rows * classes];
        foreach (var v in votes)
        {
            for (int i = 0; i < total.Length; i++)
            {
                total[i] += v[i];
            }
        }

        var kept = Enumerable.Range(0, trees).ToList();
        var order = new List<TreeSubset> { new([.. kept], Accuracy(total, null, validation, classes)) };
        while (kept.Count > 1)
        {
            int bestTree = -1;
            double bestAccuracy = double.NegativeInfinity;
            foreach (int t in kept)
            {
                double a = Accuracy(total, votes[t], validation, classes);
                if (a > bestAccuracy)
                {
                    (bestTree, bestAccuracy) = (t, a);
                }
            }

            kept.Remove(bestTree);
            for (int i = 0; i < total.Length; i++)
            {
                total[i] -= votes[bestTree][i];
            }

            order.Add(new TreeSubset([.. kept], bestAccuracy));
        }

        return order;
    }

    /// <summary>The forest of the trees at <paramref name="kept"/> (in file order), votes rescaled by trees / kept.</summary>
    public static TreeEnsemble Keep(TreeEnsemble forest, IReadOnlyList<int> kept)
    {
        float rescale = (float)forest.Trees.Length / kept.Count;
        var remaining = kept.Order().Select(t => forest.Trees[t].Map(n => n.IsLeaf ? n with { Weights = [.. n.Weights.Select(w => w with { Value = w.Value * rescale })] } : n));
        return forest with { Trees = [.. remaining] };
    }

    private static double Accuracy(double[] total, float[]? without, TreeDataset data, int classes)
    {
        int hits = 0;
        for (int r = 0; r < data.Rows; r++)
        {
            int best = 0;
            double bestScore = double.NegativeInfinity;
            for (int k = 0; k < classes; k++)
            {
                double s = total[(r * classes) + k] - (without?[(r * classes) + k] ?? 0);
                if (s > bestScore)
                {
                    (best, bestScore) = (k, s);
                }
            }

            hits += best == data.Classes![r] ? 1 : 0;
        }

        return (double)hits / data.Rows;
    }
}
