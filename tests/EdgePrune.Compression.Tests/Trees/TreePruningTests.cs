using EdgePrune.Compression.Trees;
using EdgePrune.Core.Trees;
using EdgePrune.TestSupport;
using EdgePrune.Training.Trees;
using Xunit.Abstractions;

namespace EdgePrune.Compression.Tests.Trees;

public class TreePruningTests(ITestOutputHelper output)
{
    private static string[] OrtLabels(TreeEnsemble e, TreeDataset data) => OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(e), data.Features, data.FeatureCount).Labels;

    [Fact]
    public void Cost_complexity_pruning_by_repeated_cross_validation_and_the_1SE_rule_shrinks_mnist_tree_5x_without_losing_held_out_accuracy_in_OnnxRuntime()
    {
        // α from the 8,000 training digits only: 5-fold cross-validation repeated on 3 shuffles (15 regrown trees); the
        // 2,000 test digits judge, in ONNX Runtime, and choose nothing.
        var full = MnistTrees.FullTree;
        var stats = NodeStatistics.Collect(full.Trees[0], MnistTreeSamples.Train, full.TargetCount);
        var best = CostComplexityPruner.ChooseByCrossValidation(full, stats, MnistTreeSamples.Train, new CartOptions(), folds: 5, oneStandardError: false, seed: 1, repeats: 3);
        var oneSe = best.Rechoose(oneStandardError: true);
        var prunedBest = full with { Trees = [CostComplexityPruner.Apply(stats, best.ChosenStep)] };
        var prunedOneSe = full with { Trees = [CostComplexityPruner.Apply(stats, oneSe.ChosenStep)] };

        double before = MnistTrees.Accuracy(OrtLabels(full, MnistTreeSamples.Test), MnistTreeSamples.Test);
        double afterBest = MnistTrees.Accuracy(OrtLabels(prunedBest, MnistTreeSamples.Test), MnistTreeSamples.Test);
        double afterOneSe = MnistTrees.Accuracy(OrtLabels(prunedOneSe, MnistTreeSamples.Test), MnistTreeSamples.Test);
        output.WriteLine($"path: {best.Path.Count} steps; full {full.NodeCount} nodes {before:P2}, cv {best.Accuracy[0]:P2}");
        output.WriteLine($"best cv: #{best.Chosen} alpha {best.ChosenStep.Alpha:G4} {prunedBest.NodeCount} nodes cv {best.Accuracy[best.Chosen]:P2} (SE {best.StandardError[best.Chosen]:P2}) held-out {afterBest:P2}");
        output.WriteLine($"1-SE: #{oneSe.Chosen} alpha {oneSe.ChosenStep.Alpha:G4} {prunedOneSe.NodeCount} nodes cv {oneSe.Accuracy[oneSe.Chosen]:P2} held-out {afterOneSe:P2}");
        for (int k = 0; k < best.Path.Count; k += 15)
        {
            output.WriteLine($"  {best.Path[k].Alpha,-10:G4} {best.Path[k].Leaves,6} {best.Accuracy[k]:P2}");
        }

        // One-standard-error rule: at least 5x fewer nodes and no held-out accuracy lost.
        Assert.True(full.NodeCount >= 5 * prunedOneSe.NodeCount, $"{full.NodeCount} -> {prunedOneSe.NodeCount} nodes");
        Assert.True(afterOneSe >= before, $"held-out accuracy {before:P2} -> {afterOneSe:P2}");

        // Best cross-validated α: a larger tree, also no loss.
        Assert.True(prunedBest.NodeCount > prunedOneSe.NodeCount && full.NodeCount >= 3 * prunedBest.NodeCount, $"{full.NodeCount} -> {prunedBest.NodeCount} nodes");
        Assert.True(afterBest >= before, $"held-out accuracy {before:P2} -> {afterBest:P2}");

        // The path is monotone: α grows, leaves shrink, impurity grows, and it ends at the root.
        var path = best.Path;
        for (int k = 1; k < path.Count; k++)
        {
            Assert.True(path[k].Alpha >= path[k - 1].Alpha);
            Assert.True(path[k].Leaves < path[k - 1].Leaves);
            Assert.True(path[k].Impurity >= path[k - 1].Impurity - 1e-12);
        }

        Assert.Equal(1, path[^1].Leaves);
        Assert.Equal(full.LeafCount, path[0].Leaves);
        Assert.Equal(best.ChosenStep.Nodes, prunedBest.NodeCount);
    }

    [Fact]
    public void Cost_complexity_path_matches_hand_computed_alphas_on_a_small_tree()
    {
        // Root splits x0 <= 0.5; its left child splits x1 <= 0.5. Counts (class 0, class 1, class 2) at the three leaves:
        // L-L (4,0,0), L-R (1,1,0), R (0,0,4); N = 10. Gini·share: leaves 0, 2/10·0.5 = 0.1, 0;
        // left child as a leaf: (5,1,0) -> 6/10·(1 − 26/36) = 1/6 ≈ 0.1667; root as a leaf: (5,1,4) -> 1 − 42/100 = 0.58.
        // g(left) = (1/6 − 0.1)/1 = 1/15; after collapsing it, g(root) = (0.58 − 1/6)/1 = 0.41333.
        var tree = DecisionTree.Create([
            TreeNode.Branch(TreeNodeMode.BranchLeq, 0, 0.5f, 1, 2),
            TreeNode.Branch(TreeNodeMode.BranchLeq, 1, 0.5f, 3, 4),
            TreeNode.LeafOf(new LeafWeight(2, 1)),
            TreeNode.LeafOf(new LeafWeight(0, 1)),
            TreeNode.LeafOf(new LeafWeight(0, 0.5f), new LeafWeight(1, 0.5f)),
        ]);
        float[] x = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0];
        int[] y = [0, 0, 0, 0, 0, 1, 2, 2, 2, 2];
        var data = new TreeDataset(x, 2, y, [0, 1, 2], null);
        var path = CostComplexityPruner.Path(NodeStatistics.Collect(tree, data, 3));
        Assert.Equal(3, path.Count);
        Assert.Equal(0, path[0].Alpha);
        Assert.Equal(1.0 / 15, path[1].Alpha, 1e-12);
        Assert.Equal(0.58 - (1.0 / 6), path[2].Alpha, 1e-12);
        Assert.Equal([3, 2, 1], path.Select(p => p.Leaves));
    }

    [Fact]
    public void Alpha_by_validation_and_reduced_error_pruning_keep_held_out_accuracy_in_OnnxRuntime()
    {
        // Grow on 6,000 digits, choose / prune on the other 2,000, judge on the 2,000 test digits.
        var grow = MnistTreeSamples.Train.Subset([.. Enumerable.Range(0, 6000)]);
        var validation = MnistTreeSamples.Train.Subset([.. Enumerable.Range(6000, 2000)]);
        var full = CartTrainer.Train(grow, new CartOptions());
        var fit = NodeStatistics.Collect(full.Trees[0], grow, full.TargetCount);
        double before = MnistTrees.Accuracy(OrtLabels(full, MnistTreeSamples.Test), MnistTreeSamples.Test);

        var choice = CostComplexityPruner.ChooseByValidation(full, fit, validation, oneStandardError: true);
        var ccp = full with { Trees = [CostComplexityPruner.Apply(fit, choice.ChosenStep)] };
        var rep = full with { Trees = [ReducedErrorPruner.Prune(fit, NodeStatistics.Collect(full.Trees[0], validation, full.TargetCount))] };
        double ccpAccuracy = MnistTrees.Accuracy(OrtLabels(ccp, MnistTreeSamples.Test), MnistTreeSamples.Test);
        double repAccuracy = MnistTrees.Accuracy(OrtLabels(rep, MnistTreeSamples.Test), MnistTreeSamples.Test);
        output.WriteLine($"full {full.NodeCount} nodes {before:P2}; ccp (validation, 1-SE) {ccp.NodeCount} nodes {ccpAccuracy:P2}; rep {rep.NodeCount} nodes {repAccuracy:P2}");
        Assert.True(ccp.NodeCount * 3 <= full.NodeCount);
        Assert.True(rep.NodeCount * 2 <= full.NodeCount);
        Assert.True(ccpAccuracy >= before - 0.01, $"ccp {ccpAccuracy:P2} vs {before:P2}");
        Assert.True(repAccuracy >= before - 0.01, $"rep {repAccuracy:P2} vs {before:P2}");

        // Reduced-error pruning never adds validation errors (checked in ORT, not with the pruner's own counts).
        double validationBefore = MnistTrees.Accuracy(OrtLabels(full, validation), validation);
        double validationAfter = MnistTrees.Accuracy(OrtLabels(rep, validation), validation);
        Assert.True(validationAfter >= validationBefore);
    }

    [Fact]
    public void Dropping_forest_trees_keeps_validation_accuracy_in_OnnxRuntime()
    {
        var forest = MnistTrees.Forest;
        var validation = MnistTreeSamples.Test.Subset([.. Enumerable.Range(0, 1000)]);
        var smaller = TreeDropper.DropTrees(forest, validation);
        double before = MnistTrees.Accuracy(OrtLabels(forest, validation), validation);
        double after = MnistTrees.Accuracy(OrtLabels(smaller, validation), validation);
        output.WriteLine($"trees {forest.Trees.Length} -> {smaller.Trees.Length}, validation accuracy {before:P2} -> {after:P2}");
        Assert.True(smaller.Trees.Length < forest.Trees.Length);
        Assert.True(after >= before);
        var probabilities = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(smaller), validation.Features, 784).Scores;
        Assert.Equal(1f, probabilities.Take(10).Sum(), 4);
    }

    [Fact]
    public void Integer_thresholds_keep_every_OnnxRuntime_prediction_on_uint8_digits()
    {
        foreach (var model in new[] { MnistTrees.FullTree, MnistTrees.Forest })
        {
            var quantized = ThresholdQuantizer.ForIntegerFeatures(model, 0, 255);
            Assert.Equal("uint8_t", ThresholdQuantizer.IntegerThresholdType(quantized));
            var a = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(model), MnistTreeSamples.Test.Features, 784);
            var b = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(quantized), MnistTreeSamples.Test.Features, 784);
            Assert.Equal(a.Labels, b.Labels);
            Assert.Equal(a.Scores, b.Scores);
        }
    }

    [Fact]
    public void Integer_thresholds_keep_every_decision_for_every_mode_over_the_whole_int8_range()
    {
        var random = new Random(7);
        var nodes = new List<TreeNode>();
        for (int i = 0; i < 12; i++)
        {
            // A chain: node i tests feature i % 3 and either stops at a leaf or continues.
            var mode = (TreeNodeMode)(i % 6);
            float threshold = (float)((random.NextDouble() * 300) - 150);
            if (i % 4 == 0)
            {
                threshold = MathF.Round(threshold);
            }

            nodes.Add(TreeNode.Branch(mode, i % 3, threshold, (2 * i) + 1, (2 * i) + 2));
            nodes.Add(TreeNode.LeafOf([.. Enumerable.Range(0, 3).Select(k => new LeafWeight(k, k == i % 3 ? 1 : 0))]));
        }

        // Re-index into a chain: branch i at 2i, its leaf at 2i+1, the next branch at 2i+2; the last false child is a leaf.
        var chain = new List<TreeNode>();
        for (int i = 0; i < 12; i++)
        {
            var branch = nodes[2 * i];
            chain.Add(branch with { TrueChild = chain.Count + 1, FalseChild = chain.Count + 2 });
            chain.Add(nodes[(2 * i) + 1]);
        }

        chain.Add(TreeNode.LeafOf(new LeafWeight(0, 0.25f), new LeafWeight(1, 0.5f), new LeafWeight(2, 0.25f)));
        var ensemble = new TreeEnsemble { Kind = TreeEnsembleKind.Classifier, Trees = [DecisionTree.Create(chain)], FeatureCount = 3, TargetCount = 3, Int64Labels = [0, 1, 2] };
        var quantized = ThresholdQuantizer.ForIntegerFeatures(ensemble, -128, 127);
        var rows = new List<float>();
        for (int v = -128; v <= 127; v++)
        {
            rows.AddRange([v, 127 - v - 128, random.Next(-128, 128)]);
        }

        float[] x = [.. rows];
        var a = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(ensemble), x, 3);
        var b = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(quantized), x, 3);
        Assert.Equal(a.Labels, b.Labels);
        Assert.Equal(a.Scores, b.Scores);
    }
}
