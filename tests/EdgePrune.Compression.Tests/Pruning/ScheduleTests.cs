using EdgePrune.Compression.Pruning;
using EdgePrune.Compression.Pruning.Criteria;
using EdgePrune.Compression.Pruning.Schedules;
using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using EdgePrune.Training;
using Xunit.Abstractions;

namespace EdgePrune.Compression.Tests.Pruning;

/// <summary>Gradual and iterative schedules and bias correction, judged by hand-computed values and ONNX Runtime.</summary>
public class ScheduleTests(ITestOutputHelper output)
{
    [Fact]
    public void Polynomial_schedule_matches_Zhu_and_Gupta_by_hand()
    {
        var schedule = new PolynomialSparsity(0f, 0.8f, Start: 10, Steps: 10);
        Assert.Equal(0f, schedule.At(0));
        Assert.Equal(0f, schedule.At(10));
        Assert.Equal(0.7f, schedule.At(15), 6); // 0.8 + (0 − 0.8)·0.5³
        Assert.Equal(0.8f - 0.8f * 0.001f, schedule.At(19), 6); // (1 − 9/10)³ = 0.001
        Assert.Equal(0.8f, schedule.At(20));
        Assert.Equal(0.8f, schedule.At(99));
    }

    [Fact]
    public void Gradual_pruning_of_LeNet300_to_80_percent_in_one_epoch_stays_within_1_5_points_in_OnnxRuntime()
    {
        var model = MnistSplits.LeNet300;
        var options = new GradualOptions { Pruning = new PruningOptions { Sparsity = 0.8f, Scope = PruningScope.Global }, Every = 25 };
        var tuned = GradualPruning.Run(model.Graph, MnistSplits.Train, new TrainingOptions { Epochs = 1, LearningRate = 1e-3f }, options).Graph;
        long weights = 0, zeros = 0;
        foreach (var layer in WeightMatrix.Find(tuned))
        {
            weights += layer.Weights.ElementCount;
            zeros += layer.Weights.ToFloatArray().Count(v => v == 0);
        }

        double accuracy = MnistSplits.OrtAccuracy(model, tuned, MnistSplits.Test);
        output.WriteLine($"gradual 80 % (global) over 1 epoch: sparsity {(double)zeros / weights:P2}, accuracy {accuracy:P2}");
        Assert.InRange((double)zeros / weights, 0.799, 0.81);
        Assert.True(accuracy >= 0.972 - 0.015, $"accuracy {accuracy:P2}");
    }

    /// <summary>
    /// Without labels the trainer refuses to run unless a teacher carries the whole loss (α = 0), so this run learns
    /// from the dense model alone. Measured: 96.05 % (dense 97.20 %).
    /// </summary>
    [Fact]
    public void Gradual_pruning_distilled_from_the_dense_model_without_labels_stays_within_1_5_points_in_OnnxRuntime()
    {
        var model = MnistSplits.LeNet300;
        var options = new GradualOptions { Pruning = new PruningOptions { Sparsity = 0.8f, Scope = PruningScope.Global }, Every = 25 };
        var training = new TrainingOptions { Epochs = 1, LearningRate = 1e-3f, Alpha = 0f };
        var tuned = GradualPruning.Run(model.Graph, MnistSplits.Train.WithoutLabels(), training, options, teacher: model.Graph).Graph;
        double accuracy = MnistSplits.OrtAccuracy(model, tuned, MnistSplits.Test);
        output.WriteLine($"gradual 80 % (global), 1 epoch distilled without labels: accuracy {accuracy:P2}");
        Assert.Equal(0.8, WeightMatrix.Find(tuned).Sum(l => l.Weights.ToFloatArray().Count(v => v == 0)) / 266_200.0, 0.001);
        Assert.True(accuracy >= 0.972 - 0.015, $"accuracy {accuracy:P2}");
    }

    [Fact]
    public void Gradual_run_shorter_than_the_mask_interval_still_ends_at_the_final_sparsity()
    {
        var model = MnistSplits.LeNet300;
        var options = new GradualOptions { Pruning = new PruningOptions { Sparsity = 0.6f }, Every = 50 };
        var tuned = GradualPruning.Run(model.Graph, MnistSplits.Train.First(256), new TrainingOptions { Epochs = 1 }, options).Graph; // 4 steps
        foreach (var layer in WeightMatrix.Find(tuned))
        {
            Assert.Equal(layer.Weights.ElementCount - (int)Math.Floor(0.6 * layer.Weights.ElementCount), layer.Weights.ToFloatArray().Count(v => v != 0));
        }
    }

    [Fact]
    public void Iterative_pruning_only_grows_its_masks_and_ends_at_the_requested_sparsity()
    {
        var model = MnistSplits.LeNet300;
        var rounds = new List<(int Round, float Sparsity)>();
        var train = MnistSplits.Train.First(500);
        var result = IterativePruning.Run(model.Graph, train, new TrainingOptions { Epochs = 1 }, new PruningOptions { Sparsity = 0.75f }, rounds: 2, onRound: (r, s) => rounds.Add((r, s)));
        Assert.Equal([(1, 0.5f), (2, 0.75f)], rounds); // round 1 keeps (1 − 0.75)^(1/2) = 0.5
        foreach (var layer in WeightMatrix.Find(result))
        {
            Assert.Equal(layer.Weights.ElementCount - (int)Math.Floor(0.75 * layer.Weights.ElementCount), layer.Weights.ToFloatArray().Count(v => v != 0));
        }
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public void Bias_correction_restores_the_mean_output_of_each_channel_in_OnnxRuntime(int seed, bool conv)
    {
        var random = new Random(seed);
        var b = new GraphBuilder(17, "layer");
        string x = b.Input("x", DataType.Float, Dim.Named("N"), conv ? 3 : 12, conv ? 6 : 1, conv ? 6 : 1);
        string y = conv
            ? b.Op("Conv", [x, b.Initializer("w", TestTensors.Uniform(random, [5, 3, 3, 3])), b.Initializer("b", TestTensors.Uniform(random, [5]))])
            : b.Op("Gemm", [b.Op("Flatten", [x]), b.Initializer("w", TestTensors.Uniform(random, [12, 5])), b.Initializer("b", TestTensors.Uniform(random, [5]))]);
        b.Output(b.Op("Relu", [b.Op("Add", [y, b.Initializer("shift", TestTensors.Uniform(random, [1]))])]));
        var dense = b.Build();
        // Inputs with a nonzero mean, so removing weights shifts the outputs' means.
        var calibration = TestTensors.Uniform(random, conv ? [32, 3, 6, 6] : [32, 12, 1, 1], 0f, 2f);
        var pruned = MagnitudePruner.Prune(dense, new PruningOptions { Sparsity = 0.7f }).Graph;
        var corrected = BiasCorrection.Apply(dense, pruned, calibration);

        var feed = new Dictionary<string, Tensor> { ["x"] = calibration };
        double[] Means(Graph g) => ChannelMeans(OrtOracle.Run(g with { Outputs = [new ValueInfo(y, new TensorType(DataType.Float, null))] }, feed)[y]);
        var expected = Means(dense);
        var before = Means(pruned);
        var after = Means(corrected);
        output.WriteLine($"mean shift per channel before {string.Join(", ", expected.Zip(before, (e, p) => (e - p).ToString("F3")))}; after {string.Join(", ", expected.Zip(after, (e, a) => (e - a).ToString("G2")))}");
        Assert.All(expected.Zip(after), p => Assert.Equal(p.First, p.Second, 4));
        Assert.Equal(pruned.Initializers["w"].ToFloatArray(), corrected.Initializers["w"].ToFloatArray());
    }

    private static double[] ChannelMeans(Tensor t)
    {
        var data = t.ToFloatArray();
        int channels = t.Shape[1], inner = data.Length / t.Shape[0] / channels;
        var sums = new double[channels];
        for (int i = 0; i < data.Length; i++)
        {
            sums[i / inner % channels] += data[i];
        }

        return sums.Select(s => s / (data.Length / channels)).ToArray();
    }
}
