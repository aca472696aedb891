using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;
using EdgePrune.Training.Architectures;
using EdgePrune.Training.Autograd;
using EdgePrune.Training.Data;

namespace EdgePrune.Training.Tests;

/// <summary>Whole-model behaviour: forward passes against ONNX Runtime, masks, distillation and repeatability on real MNIST.</summary>
public class TrainingTests
{
    public static TheoryData<string, int[]> Architectures => new()
    {
        { "lenet-300-100", new[] { 28, 28 } },
        { "lenet5", new[] { 28, 28 } },
        { "conv1d-small", new[] { 3, 40 } },
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Architecture_forward_matches_OnnxRuntime(string name, int[] sampleShape)
    {
        var graph = Architecture.Build(name, sampleShape, 10, seed: 5);
        var inputShape = graph.Inputs[0].Type.Shape!.Skip(1).Select(d => d.IsKnown ? (int)d.Value!.Value : -1).ToArray();
        var x = TestTensors.Uniform(new Random(5), [4, .. inputShape], 0f, 1f);
        var expected = OrtOracle.Run(new Model { Graph = graph }, new Dictionary<string, Tensor> { ["input"] = x })["logits"];
        var engine = new AutogradEngine(graph);
        engine.Forward(new Dictionary<string, Tensor> { ["input"] = x }, training: false);
        Agreement.AssertClose(expected, engine.Output("logits"), 1e-4f, 1e-4f);
    }

    [Fact]
    public void BatchNormalization_training_step_moves_running_statistics_by_momentum()
    {
        var b = new GraphBuilder(opset: 13);
        string x = b.Input("x", DataType.Float, 4, 1);
        string y = b.Op("BatchNormalization", [x, b.Initializer("s", Tensor.FromArray(new[] { 1f }, 1)), b.Initializer("b", Tensor.FromArray(new[] { 0f }, 1)),
            b.Initializer("m", Tensor.FromArray(new[] { 1f }, 1)), b.Initializer("v", Tensor.FromArray(new[] { 2f }, 1))]);
        b.Output(y);
        var engine = new AutogradEngine(b.Build());
        engine.Forward(new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(new[] { 1f, 2f, 3f, 6f }, 4, 1) }, training: true);
        var graph = engine.ToGraph();
        // Batch mean 3, biased variance (4 + 1 + 0 + 9)/4 = 3.5; running = 0.9·running + 0.1·batch.
        Assert.Equal(0.9f * 1 + 0.1f * 3, graph.Initializers["m"].Span<float>()[0], 5);
        Assert.Equal(0.9f * 2 + 0.1f * 3.5f, graph.Initializers["v"].Span<float>()[0], 5);
        Assert.Equal((1 - 3) / MathF.Sqrt(3.5f + 1e-5f), engine.Output(y).Span<float>()[0], 4);
    }

    [Fact]
    public void Seeded_training_repeats_bit_for_bit()
    {
        var data = Samples.MnistTrain.Subset(Enumerable.Range(0, 256).ToArray());
        float[] Train()
        {
            var trainer = new Trainer(Architecture.Lenet5(seed: 2), new TrainingOptions { Epochs = 1, BatchSize = 32, Seed = 2, ShiftPixels = 2 });
            var graph = trainer.Fit(data).Graph;
            return graph.Initializers.OrderBy(kv => kv.Key).SelectMany(kv => kv.Value.ToFloatArray()).ToArray();
        }

        Assert.Equal(Train(), Train());
    }

    [Fact]
    public void Model_pruned_90_percent_by_magnitude_recovers_to_within_half_a_point_with_its_zeros_kept()
    {
        var dense = OnnxImporter.Load(Samples.Model("lenet-300-100.onnx")).Graph;
        var test = Samples.MnistTest;
        float denseAccuracy = Trainer.Evaluate(dense, test);
        var pruned = PruneByMagnitude(dense, 0.9);
        float prunedAccuracy = Trainer.Evaluate(pruned, test);
        var options = new TrainingOptions { Epochs = 8, LearningRate = 1e-3f, Seed = 1, ShiftPixels = 1, Alpha = 0.5f, Temperature = 4f };
        var trainer = new Trainer(pruned, options, teacher: dense);
        long pinned = trainer.KeepZerosAsMasks();
        var tuned = trainer.Fit(Samples.MnistTrain).Graph;
        float tunedAccuracy = Trainer.Evaluate(tuned, test);

        foreach (var (name, tensor) in pruned.Initializers.Where(kv => kv.Value.Rank == 2))
        {
            var before = tensor.Span<float>();
            var after = tuned.Initializers[name].Span<float>();
            for (int i = 0; i < before.Length; i++)
            {
                Assert.True(before[i] != 0 || after[i] == 0, $"{name}[{i}] was pruned but is {after[i]} after fine-tuning");
            }
        }

        Assert.True(pinned > 0.89 * pruned.Initializers.Values.Where(t => t.Rank == 2).Sum(t => t.ElementCount));
        Assert.True(tunedAccuracy > prunedAccuracy, $"fine-tuning did not help: {prunedAccuracy:P2} → {tunedAccuracy:P2}");
        Assert.True(tunedAccuracy >= denseAccuracy - 0.005f, $"dense {denseAccuracy:P2}, pruned {prunedAccuracy:P2}, fine-tuned {tunedAccuracy:P2}");
    }

    [Fact]
    public void Unlabelled_distillation_into_half_width_student_comes_within_1_5_points_of_the_teacher()
    {
        var teacher = OnnxImporter.Load(Samples.Model("lenet-300-100.onnx")).Graph;
        var test = Samples.MnistTest;
        float teacherAccuracy = Trainer.Evaluate(teacher, test);
        var student = Architecture.Lenet300100(seed: 4, width: 0.5f);
        var options = new TrainingOptions { Epochs = 15, LearningRate = 2e-3f, Seed = 4, Alpha = 0f, Temperature = 4f, ShiftPixels = 1 };
        var result = new Trainer(student, options, teacher).Fit(Samples.MnistTrain.WithoutLabels());
        float studentAccuracy = Trainer.Evaluate(result.Graph, test);
        Assert.True(studentAccuracy >= teacherAccuracy - 0.015f, $"teacher {teacherAccuracy:P2}, student {studentAccuracy:P2}");
    }

    [Fact]
    public void Cancelled_run_stops_after_the_current_step_and_says_so()
    {
        var data = Samples.MnistTrain.Subset(Enumerable.Range(0, 640).ToArray());
        using var cancel = new CancellationTokenSource();
        int steps = 0;
        var result = new Trainer(Architecture.Lenet300100(seed: 1), new TrainingOptions { Epochs = 3, BatchSize = 64 })
            .Fit(data, onStep: s =>
            {
                steps++;
                if (s.Step == 3)
                {
                    cancel.Cancel();
                }
            }, cancel: cancel.Token);
        Assert.True(result.Cancelled);
        Assert.Equal(3, steps);
        Assert.Empty(result.Epochs);
    }

    [Fact]
    public void Random_shift_moves_the_image_and_fills_with_zeros()
    {
        float[] image = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        var target = new float[9];
        var random = new FixedShiftRandom();
        new RandomShift(1).Apply(image, [3, 3], target, random);
        // Next(-1, 2) returns +1 then −1: down one row, left one column.
        Assert.Equal([0, 0, 0, 2, 3, 0, 5, 6, 0], target);
    }

    [Fact]
    public void Validation_split_is_disjoint_seeded_and_complete()
    {
        var data = Samples.MnistTest;
        var (train, validation) = data.Split(0.25f, seed: 9);
        Assert.Equal(1500, train.Count);
        Assert.Equal(500, validation.Count);
        var (again, _) = data.Split(0.25f, seed: 9);
        Assert.Equal(train.Features, again.Features);
        Assert.Equal(data.Labels!.Sum(), train.Labels!.Sum() + validation.Labels!.Sum());
    }

    /// <summary>Zeroes the smallest <paramref name="fraction"/> of all weight-matrix entries, one threshold for the whole model.</summary>
    private static Graph PruneByMagnitude(Graph graph, double fraction)
    {
        var initializers = graph.Initializers;
        var magnitudes = graph.Initializers.Values.Where(t => t.Rank == 2).SelectMany(t => t.ToFloatArray()).Select(Math.Abs).Order().ToArray();
        float threshold = magnitudes[(int)(fraction * magnitudes.Length)];
        foreach (var (name, tensor) in graph.Initializers.Where(kv => kv.Value.Rank == 2))
        {
            var data = tensor.ToFloatArray();
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = Math.Abs(data[i]) < threshold ? 0f : data[i];
            }

            initializers = initializers.SetItem(name, Tensor.FromArray(data, tensor.Shape.ToArray()));
        }

        return graph with { Initializers = initializers };
    }

    private sealed class FixedShiftRandom : Random
    {
        private int _calls;

        public override int Next(int minValue, int maxValue) => _calls++ == 0 ? 1 : -1;
    }
}
