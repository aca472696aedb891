using System.Collections.Immutable;
using EdgePrune.Core;
using EdgePrune.Core.Trees;

namespace EdgePrune.Training.Trees;

/// <summary>
/// Trains CART trees and random forests into <see cref="TreeEnsemble"/>s that export to ONNX-ML as they are. A classifier
/// leaf votes the class proportions of its training samples (divided by the tree count in a forest, so the scores are
/// averaged probabilities, as skl2onnx writes scikit-learn forests); a regressor leaf holds its samples' mean.
/// </summary>
public static class CartTrainer
{
    public static TreeEnsemble Train(TreeDataset data, CartOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        options.Check();
        CheckCriterion(data, options);
        var bins = FeatureBins.Build(data);
        var tree = new TreeGrower(data, bins, options, 1f, options.Seed).Grow([.. Enumerable.Range(0, data.Rows)]);
        return Wrap(data, [tree], 1);
    }

    public static TreeEnsemble TrainForest(TreeDataset data, ForestOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (options.TreeCount < 1)
        {
            throw new EdgePruneException($"a forest needs at least one tree, not {options.TreeCount}");
        }

        var treeOptions = options.Tree with { MaxFeatures = options.Tree.MaxFeatures ?? Math.Max(1, (int)Math.Sqrt(data.FeatureCount)) };
        treeOptions.Check();
        CheckCriterion(data, treeOptions);
        var bins = FeatureBins.Build(data);
        var trees = new DecisionTree[options.TreeCount];
        bool regression = data.Classes is null;
        Parallel.For(0, options.TreeCount, t =>
        {
            // Each tree's randomness depends only on (seed, tree index), so results depend neither on thread scheduling
            // nor on the process (HashCode.Combine is randomized per process, so it cannot derive seeds).
            var random = new Random(unchecked((options.Seed * 1_000_003) ^ (t * 7_919) ^ 0x7265));
            int[] samples = options.Bootstrap
                ? [.. Enumerable.Range(0, data.Rows).Select(_ => random.Next(data.Rows))]
                : [.. Enumerable.Range(0, data.Rows)];
            float scale = regression ? 1f : 1f / options.TreeCount;
            trees[t] = new TreeGrower(data, bins, treeOptions, scale, random.Next()).Grow(samples);
        });
        return Wrap(data, trees, options.TreeCount);
    }

    private static void CheckCriterion(TreeDataset data, CartOptions options)
    {
        bool regression = data.Classes is null;
        if (regression != (options.Criterion == SplitCriterion.Mse))
        {
            throw new EdgePruneException(regression
                ? $"criterion {options.Criterion} is for classification; regression trees use MSE"
                : "criterion MSE is for regression; classification trees use Gini or entropy");
        }

        if (!regression && data.ClassCount < 3)
        {
            throw new EdgePruneException($"the labels hold {data.ClassCount} classes; tree classifiers need at least 3 (two-class ensembles are not exported, see docs/trees.md)");
        }
    }

    private static TreeEnsemble Wrap(TreeDataset data, DecisionTree[] trees, int treeCount)
    {
        bool regression = data.Classes is null;
        return new TreeEnsemble
        {
            Kind = regression ? TreeEnsembleKind.Regressor : TreeEnsembleKind.Classifier,
            Trees = [.. trees],
            FeatureCount = data.FeatureCount,
            TargetCount = regression ? 1 : data.ClassCount,
            Int64Labels = regression ? default : [.. data.ClassLabels],
            Aggregate = regression && treeCount > 1 ? TreeAggregate.Average : TreeAggregate.Sum,
        };
    }
}
