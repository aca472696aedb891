using EdgePrune.Compression.Trees;
using EdgePrune.Core.Trees;
using EdgePrune.Sensors.Windows;
using EdgePrune.Simulation.Gestures;
using EdgePrune.TestSupport;
using EdgePrune.Training.Trees;
using Xunit.Abstractions;

namespace EdgePrune.Compression.Tests.Trees;

/// <summary>
/// Trees over <see cref="WindowFeatures"/> of simulated IMU gesture windows: trained on people (generator seeds) 1–20,
/// judged on people 9001–9010 whom training never saw (the held-out seeds of scripts/gesture-model.cs).
/// </summary>
public class GestureTreeTests(ITestOutputHelper output)
{
    private const int WindowLength = 50;

    private static readonly Lazy<(TreeDataset Train, TreeDataset Test)> Data = new(() =>
        (Windows(Enumerable.Range(1, 20), hop: 10), Windows(Enumerable.Range(9001, 10), hop: 10)));

    [Fact]
    public void Gesture_feature_tree_and_forest_predict_as_OnnxRuntime_on_every_held_out_window()
    {
        var (train, test) = Data.Value;
        var tree = CartTrainer.Train(train, new CartOptions());
        var forest = CartTrainer.TrainForest(train, new ForestOptions { TreeCount = 20, Seed = 5 });
        var stats = NodeStatistics.Collect(tree.Trees[0], train, tree.TargetCount);
        var alphas = CostComplexityPruner.ChooseByCrossValidation(tree, stats, train, new CartOptions(), folds: 5, oneStandardError: false, seed: 1);
        var pruned = tree with { Trees = [CostComplexityPruner.Apply(stats, alphas.ChosenStep)] };
        output.WriteLine($"{train.Rows} training windows (seeds 1-20), {test.Rows} held-out windows (seeds 9001-9010), {train.FeatureCount} features; idle share of held-out windows {test.Classes!.Count(c => c == 0) / (double)test.Rows:P1}");

        foreach (var (name, model) in new[] { ("tree", tree), ("tree, cost-complexity pruned (5-fold CV)", pruned), ("forest of 20", forest) })
        {
            var ours = TreeEnsembleEvaluator.Predict(model, test.Features);
            var ort = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(model), test.Features, test.FeatureCount);
            Assert.Equal(ort.Labels, ours.Classes.Select(model.LabelText).ToArray());
            Assert.Equal(ort.Scores, ours.Scores);

            double accuracy = MnistTrees.Accuracy(ort.Labels, test);
            long bytes = TreeCExporter.Generate(model, new CTreeOptions()).TableBytes;
            output.WriteLine($"{name}: {model.NodeCount} nodes, depth {model.MaxDepth}, held-out accuracy {accuracy:P2} (ORT), C tables {bytes} bytes");

            // Measured 92-95 %; a tree that had learnt nothing would sit at the idle share of the windows.
            Assert.True(accuracy > 0.9, $"{name}: {accuracy:P2}");
        }
    }

    [Fact]
    public void Window_features_match_hand_computed_statistics()
    {
        // Two channels, four frames: channel 0 = 1, 3, 2, 6; channel 1 = -1, -1, -1, -1.
        float[] window = [1, -1, 3, -1, 2, -1, 6, -1];
        var features = new float[2 * WindowFeatures.PerChannel];
        WindowFeatures.Compute(window, 2, features);
        // mean 3; variance (4 + 0 + 1 + 9) / 4 = 3.5; min 1, max 6; |Δ| = 2, 1, 4 -> 7 / 3.
        Assert.Equal([3f, MathF.Sqrt(3.5f), 1f, 6f, 7f / 3], features[..5]);
        Assert.Equal([-1f, 0f, -1f, -1f, 0f], features[5..]);
        Assert.Equal("ay_mean_abs_diff", WindowFeatures.Names(["ax", "ay"])[9]);
        Assert.Throws<ArgumentException>(() => WindowFeatures.Compute(window[..7], 2, features));
    }

    /// <summary>Raw (unnormalized) windows of 60 s traces, every <paramref name="hop"/> frames, labelled with the majority label.</summary>
    private static TreeDataset Windows(IEnumerable<int> seeds, int hop)
    {
        var classes = GestureLabels.All.ToList();
        int channels = GestureTraceGenerator.Channels.Length;
        var features = new List<float>();
        var labels = new List<int>();
        var window = new float[WindowLength * channels];
        var row = new float[channels * WindowFeatures.PerChannel];
        foreach (int seed in seeds)
        {
            var trace = GestureTraceGenerator.Generate(new GestureTraceOptions(seed, 60));
            for (int start = 0; start + WindowLength <= trace.Count; start += hop)
            {
                for (int t = 0; t < WindowLength; t++)
                {
                    trace.Rows[start + t].CopyTo(window, t * channels);
                }

                WindowFeatures.Compute(window, channels, row);
                features.AddRange(row);
                string majority = trace.Labels!.Skip(start).Take(WindowLength).GroupBy(l => l).OrderByDescending(g => g.Count()).First().Key;
                labels.Add(classes.IndexOf(majority));
            }
        }

        return new TreeDataset([.. features], channels * WindowFeatures.PerChannel, [.. labels], [.. Enumerable.Range(0, classes.Count).Select(i => (long)i)], null);
    }
}
