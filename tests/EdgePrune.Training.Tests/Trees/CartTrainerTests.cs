using EdgePrune.Core;
using EdgePrune.Core.Trees;
using EdgePrune.TestSupport;
using EdgePrune.Training.Trees;
using Xunit.Abstractions;

namespace EdgePrune.Training.Tests.Trees;

public class CartTrainerTests(ITestOutputHelper output)
{
    [Fact]
    public void Full_tree_on_mnist_exports_and_OnnxRuntime_agrees_on_all_2000_held_out_digits()
    {
        _ = MnistTreeSamples.Train;
        var cpu = CpuClock.Start();
        var tree = CartTrainer.Train(MnistTreeSamples.Train, new CartOptions());
        output.WriteLine($"full CART: {tree.NodeCount} nodes, depth {tree.MaxDepth}, {cpu.Seconds:F2} s CPU");

        // CPU time, not wall time: the test machine is shared. Generous for a Debug build.
        Assert.True(cpu.Seconds < 20, $"training took {cpu.Seconds:F1} s of CPU");

        var ort = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(tree), MnistTreeSamples.Test.Features, 784);
        var ours = TreeEnsembleEvaluator.Predict(tree, MnistTreeSamples.Test.Features);
        Assert.Equal(ort.Labels, ours.Classes.Select(tree.LabelText).ToArray());
        Assert.Equal(ort.Scores, ours.Scores);
        double accuracy = Accuracy(ort.Labels, MnistTreeSamples.Test);
        output.WriteLine($"held-out accuracy {accuracy:P2}");
        Assert.InRange(accuracy, 0.75, 1.0);

        // A fully grown tree separates every training sample whose features differ.
        var trainPredictions = TreeEnsembleEvaluator.Predict(tree, MnistTreeSamples.Train.Features).Classes;
        Assert.True(trainPredictions.SequenceEqual(MnistTreeSamples.Train.Classes!));
    }

    [Fact]
    public void Forest_on_mnist_exports_and_OnnxRuntime_agrees_on_all_2000_held_out_digits()
    {
        _ = MnistTreeSamples.Train;
        var cpu = CpuClock.Start();
        var forest = CartTrainer.TrainForest(MnistTreeSamples.Train, new ForestOptions { TreeCount = 12, Seed = 3 });
        output.WriteLine($"forest: {forest.NodeCount} nodes, {cpu.Seconds:F2} s CPU");
        Assert.True(cpu.Seconds < 40, $"training took {cpu.Seconds:F1} s of CPU");

        var ort = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(forest), MnistTreeSamples.Test.Features, 784);
        var ours = TreeEnsembleEvaluator.Predict(forest, MnistTreeSamples.Test.Features);
        Assert.Equal(ort.Labels, ours.Classes.Select(forest.LabelText).ToArray());
        Assert.Equal(ort.Scores, ours.Scores);
        double accuracy = Accuracy(ort.Labels, MnistTreeSamples.Test);
        output.WriteLine($"held-out accuracy {accuracy:P2}");
        Assert.InRange(accuracy, 0.88, 1.0);
    }

    [Fact]
    public void Forest_training_is_reproducible_for_a_seed_whatever_the_thread_schedule()
    {
        var options = new ForestOptions { TreeCount = 4, Seed = 9, Tree = new CartOptions { MaxDepth = 10 } };
        var first = CartTrainer.TrainForest(MnistTreeSamples.Train, options);
        var second = CartTrainer.TrainForest(MnistTreeSamples.Train, options);
        Assert.Equal(TreeEnsembleExporter.ToBytes(first), TreeEnsembleExporter.ToBytes(second));
        Assert.NotEqual(TreeEnsembleExporter.ToBytes(first), TreeEnsembleExporter.ToBytes(CartTrainer.TrainForest(MnistTreeSamples.Train, options with { Seed = 10 })));
    }

    [Fact]
    public void Depth_and_leaf_limits_hold_and_entropy_trees_export()
    {
        var small = CartTrainer.Train(MnistTreeSamples.Train, new CartOptions { Criterion = SplitCriterion.Entropy, MaxDepth = 6, MinSamplesLeaf = 5 });
        Assert.True(small.MaxDepth <= 6);
        var limited = CartTrainer.Train(MnistTreeSamples.Train, new CartOptions { MaxLeaves = 40 });
        Assert.Equal(40, limited.LeafCount);
        var ort = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(limited), MnistTreeSamples.Test.Features, 784);
        Assert.Equal(ort.Labels, TreeEnsembleEvaluator.Predict(limited, MnistTreeSamples.Test.Features).Classes.Select(limited.LabelText).ToArray());
    }

    [Fact]
    public void Regression_tree_fits_a_step_function_exactly_and_matches_OnnxRuntime()
    {
        // y = 3 for x0 <= 2, else -1 + x1 (x1 in {0,1}): a depth-2 tree fits it; the leaf means are hand-computed.
        var random = new Random(5);
        int n = 400;
        var x = new float[n * 2];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[2 * i] = random.Next(6);
            x[(2 * i) + 1] = random.Next(2);
            y[i] = x[2 * i] <= 2 ? 3 : -1 + x[(2 * i) + 1];
        }

        var data = new TreeDataset(x, 2, null, [], y);
        var tree = CartTrainer.Train(data, new CartOptions { Criterion = SplitCriterion.Mse });
        Assert.Equal(3, tree.LeafCount);
        var ort = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(tree), x, 2);
        Assert.Equal(y, ort.Scores);

        var forest = CartTrainer.TrainForest(data, new ForestOptions { TreeCount = 5, Tree = new CartOptions { Criterion = SplitCriterion.Mse } });
        var forestOrt = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(forest), x, 2);
        Assert.Equal(forestOrt.Scores, TreeEnsembleEvaluator.Predict(forest, x).Scores);
    }

    [Fact]
    public void Wrong_criterion_or_two_classes_are_clear_errors()
    {
        var data = new TreeDataset([0, 1, 2, 3], 1, [0, 1, 0, 1], [0, 1], null);
        var e = Assert.Throws<EdgePruneException>(() => CartTrainer.Train(data, new CartOptions()));
        Assert.Contains("2 classes", e.Message);
        var regression = new TreeDataset([0, 1, 2, 3], 1, null, [], [0f, 1, 2, 3]);
        Assert.Contains("MSE", Assert.Throws<EdgePruneException>(() => CartTrainer.Train(regression, new CartOptions())).Message);
    }

    internal static double Accuracy(string[] labels, TreeDataset data) =>
        labels.Where((label, i) => label == data.ClassLabels[data.Classes![i]].ToString(System.Globalization.CultureInfo.InvariantCulture)).Count() / (double)data.Rows;
}

/// <summary>CPU time this process has used since <see cref="Start"/> (all threads).</summary>
internal sealed class CpuClock
{
    private readonly TimeSpan _start = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;

    public static CpuClock Start() => new();

    public double Seconds => (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - _start).TotalSeconds;
}
