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

/// <summary>How <see cref="TreeModelPruner.Prune"/> chooses α and where its statistics come from.</summary>
public sealed record TreePruneOptions
{
    /// <summary>Folds for choosing α by cross-validation (cost-complexity).</summary>
    public int Folds { get; init; } = 5;

    /// <summary>k-fold runs on different shuffles, averaged (<see cref="CostComplexityPruner.ChooseByCrossValidation"/>).</summary>
    public int Repeats { get; init; } = 1;

    /// <summary>The smallest tree within one standard error of the best cross-validated accuracy, instead of the best.</summary>
    public bool OneStandardError { get; init; }

    public int Seed { get; init; }

    /// <summary>
    /// The set the tree was trained on. With it, cost-complexity pruning works as in CART: node statistics from this set and α
    /// by cross-validation over it with trees regrown by <see cref="Growth"/>; the evaluation set then only measures.
    /// </summary>
    public TreeDataset? Train { get; init; }

    /// <summary>How the model was grown (for the regrown cross-validation trees); the default is a fully grown Gini tree.</summary>
    public CartOptions Growth { get; init; } = new();
}

/// <summary>What pruning a model did: sizes and evaluation accuracy before and after, and for cost-complexity the α path.</summary>
public sealed record TreePruneResult(TreeEnsemble Pruned, TreePruneMethod Method, TreeModelSize Before, TreeModelSize After, double AccuracyBefore, double AccuracyAfter, AlphaChoice? Alphas);

/// <summary>
/// Prunes an existing (imported) tree model, as <c>edgeprune tree prune</c> does. The tree's structure is fixed; node
/// statistics come from routing samples through it. With only an evaluation set, cost-complexity α is chosen by k-fold
/// cross-validation over it (statistics from k−1 folds, accuracy on the held-out fold, at the geometric midpoints of the
/// path) and the final tree uses statistics from the whole set. With <see cref="TreePruneOptions.Train"/>, statistics
/// and α come from the training set (<see cref="CostComplexityPruner.ChooseByCrossValidation"/>) and the evaluation set
/// is held out.
/// </summary>
public static class TreeModelPruner
{
    public static TreePruneResult Prune(TreeEnsemble model, TreeDataset eval, TreePruneMethod method, TreePruneOptions? options = null)
    {
        options ??= new TreePruneOptions();
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
                var stats = NodeStatistics.Collect(model.Trees[0], options.Train ?? eval, model.TargetCount);
                alphas = options.Train is { } train
                    ? CostComplexityPruner.ChooseByCrossValidation(model, stats, train, options.Growth, options.Folds, options.OneStandardError, options.Seed, options.Repeats)
                    : ChooseByFoldsOfFixedTree(model, stats, eval, options);
                pruned = model with { Trees = [CostComplexityPruner.Apply(stats, alphas.ChosenStep)] };
                break;
            case TreePruneMethod.ReducedError:
                var (fitRows, validationRows) = Halves(eval.Rows, options.Seed);
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

    private static AlphaChoice ChooseByFoldsOfFixedTree(TreeEnsemble model, NodeStatistics stats, TreeDataset eval, TreePruneOptions options)
    {
        int folds = options.Folds;
        if (folds < 2 || folds > eval.Rows || options.Repeats < 1)
        {
            throw new EdgePruneException($"cross-validation needs between 2 and {eval.Rows} folds and at least one repeat, not {folds} folds and {options.Repeats} repeats");
        }

        var path = CostComplexityPruner.Path(stats);
        var correct = new double[path.Count];
        for (int repeat = 0; repeat < options.Repeats; repeat++)
        {
            int[] order = [.. Enumerable.Range(0, eval.Rows)];
            new Random(options.Seed + repeat).Shuffle(order);
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
        }

        var accuracy = correct.Select(c => c / ((double)eval.Rows * options.Repeats)).ToList();
        var se = accuracy.Select(a => Math.Sqrt(a * (1 - a) / eval.Rows)).ToList();
        return new AlphaChoice(path, accuracy, se, 0).Rechoose(options.OneStandardError);
    }

    private static (int[] First, int[] Second) Halves(int rows, int seed)
    {
        int[] order = [.. Enumerable.Range(0, rows)];
        new Random(seed).Shuffle(order);
        return (order[..(rows / 2)], order[(rows / 2)..]);
    }
}
