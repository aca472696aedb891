using EdgePrune.Core;
using EdgePrune.Core.Trees;
using EdgePrune.Training.Trees;

namespace EdgePrune.Compression.Trees;

public enum TreePruneMethod
{
    /// <summary>Minimal cost-complexity pruning, α by k-fold cross-validation over the evaluation set.</summary>
    CostComplexity,

    /// <summary>Reduced-error pruning: half the evaluation set gives new leaf votes, the other half decides.</summary>
    ReducedError,

    /// <summary>Drop whole trees of a forest while evaluation accuracy does not fall.</summary>
    DropTrees,
}

/// <summary>Size of a model: nodes, depth, trees and the bytes of its C node tables.</summary>
public sealed record TreeModelSize(int Trees, int Nodes, int Leaves, int Depth, long Bytes)
{
    public static TreeModelSize Of(TreeEnsemble e) =>
        new(e.Trees.Length, e.NodeCount, e.LeafCount, e.MaxDepth, TreeCExporter.Generate(e, new CTreeOptions { Layout = CTreeLayout.IfElse }).TableBytes);
}

/// <summary>What pruning a model did: sizes and evaluation accuracy before and after, and for cost-complexity the α path.</summary>
public sealed record TreePruneResult(TreeEnsemble Pruned, TreePruneMethod Method, TreeModelSize Before, TreeModelSize After, double AccuracyBefore, double AccuracyAfter, AlphaChoice? Alphas);

/// <summary>
/// Prunes an existing (imported) tree model with only an evaluation set, as <c>edgeprune tree prune</c> does. The tree's
/// structure is fixed; node statistics come from routing the evaluation samples through it. For cost-complexity pruning,
/// α is chosen by k-fold cross-validation over the evaluation set (statistics from k−1 folds, accuracy on the held-out
/// fold, at the geometric midpoints of the path); the final tree uses statistics from the whole set.
/// </summary>
public static class TreeModelPruner
{
    public static TreePruneResult Prune(TreeEnsemble model, TreeDataset eval, TreePruneMethod method, int folds = 5, bool oneStandardError = false, int seed = 0)
    {
        if (model.Kind != TreeEnsembleKind.Classifier)
        {
            throw new EdgePruneException("tree pruning is implemented for classifiers; this model is a regressor");
        }

        if (method != TreePruneMethod.DropTrees && model.Trees.Length != 1)
        {
            throw new EdgePruneException($"the model is a forest of {model.Trees.Length} trees; prune forests with --method drop (cost-complexity and reduced-error pruning work on single trees)");
        }

        TreeEnsemble pruned;
        AlphaChoice? alphas = null;
        switch (method)
        {
            case TreePruneMethod.CostComplexity:
                var stats = NodeStatistics.Collect(model.Trees[0], eval, model.TargetCount);
                alphas = ChooseByFoldsOfFixedTree(model, stats, eval, folds, oneStandardError, seed);
                pruned = model with { Trees = [CostComplexityPruner.Apply(stats, alphas.ChosenStep)] };
                break;
            case TreePruneMethod.ReducedError:
                var (fitRows, validationRows) = Halves(eval.Rows, seed);
                var fit = NodeStatistics.Collect(model.Trees[0], eval.Subset(fitRows), model.TargetCount);
                var validation = NodeStatistics.Collect(model.Trees[0], eval.Subset(validationRows), model.TargetCount);
                pruned = model with { Trees = [ReducedErrorPruner.Prune(fit, validation)] };
                break;
            default:
                pruned = TreeDropper.DropTrees(model, eval);
                break;
        }

        return new TreePruneResult(
            pruned, method, TreeModelSize.Of(model), TreeModelSize.Of(pruned),
            CostComplexityPruner.Accuracy(model, eval), CostComplexityPruner.Accuracy(pruned, eval), alphas);
    }

    private static AlphaChoice ChooseByFoldsOfFixedTree(TreeEnsemble model, NodeStatistics stats, TreeDataset eval, int folds, bool oneStandardError, int seed)
    {
        if (folds < 2 || folds > eval.Rows)
        {
            throw new EdgePruneException($"cross-validation needs between 2 and {eval.Rows} folds, not {folds}");
        }

        var path = CostComplexityPruner.Path(stats);
        int[] order = [.. Enumerable.Range(0, eval.Rows)];
        new Random(seed).Shuffle(order);
        var correct = new double[path.Count];
        for (int fold = 0; fold < folds; fold++)
        {
            var heldOut = eval.Subset([.. order.Where((_, i) => i % folds == fold)]);
            var foldStats = NodeStatistics.Collect(model.Trees[0], eval.Subset([.. order.Where((_, i) => i % folds != fold)]), model.TargetCount);
            var foldPath = CostComplexityPruner.Path(foldStats);
            for (int k = 0; k < path.Count; k++)
            {
                double beta = k + 1 < path.Count ? Math.Sqrt(path[k].Alpha * path[k + 1].Alpha) : double.PositiveInfinity;
                int j = foldPath.Count - 1;
                while (j > 0 && foldPath[j].Alpha > beta)
                {
                    j--;
                }

                correct[k] += CostComplexityPruner.Accuracy(model with { Trees = [CostComplexityPruner.Apply(foldStats, foldPath[j])] }, heldOut) * heldOut.Rows;
            }
        }

        var accuracy = correct.Select(c => c / eval.Rows).ToList();
        var se = accuracy.Select(a => Math.Sqrt(a * (1 - a) / eval.Rows)).ToList();
        return new AlphaChoice(path, accuracy, se, 0).Rechoose(oneStandardError);
    }

    private static (int[] First, int[] Second) Halves(int rows, int seed)
    {
        int[] order = [.. Enumerable.Range(0, rows)];
        new Random(seed).Shuffle(order);
        return (order[..(rows / 2)], order[(rows / 2)..]);
    }
}
