using EdgePrune.Compression.Pruning;
using EdgePrune.Compression.Pruning.Criteria;
using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using Xunit.Abstractions;

namespace EdgePrune.Compression.Tests.Pruning;

/// <summary>The pruning criteria against hand-computed scores, ONNX Runtime's outputs and measured accuracy.</summary>
public class CriteriaTests(ITestOutputHelper output)
{
    /// <summary>One Gemm y = x·Wᵀ (transB = 1), W stored [outputs, inputs].</summary>
    private static Graph SingleGemm(float[] weights, int outputs, int inputs)
    {
        var b = new GraphBuilder(17, "gemm");
        string x = b.Input("x", DataType.Float, Dim.Named("N"), inputs);
        b.Output(b.Op("Gemm", [x, b.Initializer("w", Tensor.FromArray(weights, outputs, inputs))], new Dictionary<string, AttributeValue> { ["transB"] = AttributeValue.Of(1L) }));
        return b.Build();
    }

    [Fact]
    public void Wanda_scores_match_a_hand_computed_2x3_example()
    {
        // W = [[1, −2, 3], [0.5, 4, −0.1]]; calibration rows (3, 0, 1) and (4, 1, 0): column norms 5, 1, 1.
        // |w|·‖x‖: [[5, 2, 3], [2.5, 4, 0.1]]. Half of the six go: 0.1, 2 and 2.5 (magnitude would take 0.1, 0.5 and 1).
        var graph = SingleGemm([1f, -2f, 3f, 0.5f, 4f, -0.1f], 2, 3);
        var calibration = Tensor.FromArray(new[] { 3f, 0f, 1f, 4f, 1f, 0f }, 2, 3);
        var criterion = new WandaCriterion(calibration, perOutput: false);
        var scores = criterion.Assess(graph, WeightMatrix.Find(graph)).Single().Scores;
        Assert.Equal(new[] { 5f, 2f, 3f, 2.5f, 4f, 0.1f }, scores);

        var pruned = MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = 0.5f }, criterion).Graph;
        Assert.Equal(new[] { 1f, 0f, 3f, 0f, 4f, 0f }, pruned.Initializers["w"].ToFloatArray());
        var magnitude = MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = 0.5f }).Graph;
        Assert.Equal(new[] { 0f, -2f, 3f, 0f, 4f, 0f }, magnitude.Initializers["w"].ToFloatArray());
    }

    [Theory]
    [InlineData(1, "unstructured")]
    [InlineData(2, "unstructured")]
    [InlineData(3, "2:4")]
    [InlineData(4, "unstructured")]
    [InlineData(5, "2:4")]
    public void SparseGpt_reconstructs_the_layer_output_better_than_magnitude_in_OnnxRuntime(int seed, string pattern)
    {
        var random = new Random(seed);
        int inputs = 4 * random.Next(3, 9), outputs = random.Next(3, 12), samples = 64;
        var graph = SingleGemm(TestTensors.Uniform(random, [outputs * inputs]).ToFloatArray(), outputs, inputs);
        // Correlated inputs (x = z·A), the case where compensating through the Hessian pays.
        var mixing = TestTensors.Uniform(random, [inputs * inputs]).ToFloatArray();
        var z = TestTensors.Uniform(random, [samples * inputs]).ToFloatArray();
        var x = new float[samples * inputs];
        for (int n = 0; n < samples; n++)
        {
            for (int j = 0; j < inputs; j++)
            {
                for (int k = 0; k < inputs; k++)
                {
                    x[n * inputs + j] += z[n * inputs + k] * mixing[k * inputs + j];
                }
            }
        }

        var calibration = Tensor.FromArray(x, samples, inputs);
        var options = new PruningOptions { Sparsity = 0.5f, Pattern = SparsityPattern.Parse(pattern) };
        var obs = MagnitudePruner.Prune(graph, options, new SparseGptCriterion(calibration)).Graph;
        var adaptive = SparseGptPruner.Prune(graph, options, calibration, new SparseGptOptions { BlockSize = 8 }).Graph;
        var magnitude = MagnitudePruner.Prune(graph, options).Graph;
        Assert.Equal(magnitude.Initializers["w"].ToFloatArray().Count(v => v == 0), obs.Initializers["w"].ToFloatArray().Count(v => v == 0));
        Assert.Equal(magnitude.Initializers["w"].ToFloatArray().Count(v => v == 0), adaptive.Initializers["w"].ToFloatArray().Count(v => v == 0));

        var feed = new Dictionary<string, Tensor> { ["x"] = calibration };
        string y = graph.Outputs[0].Name;
        var dense = OrtOracle.Run(graph, feed)[y];
        double obsError = Distance(dense, OrtOracle.Run(obs, feed)[y]);
        double magnitudeError = Distance(dense, OrtOracle.Run(magnitude, feed)[y]);
        double adaptiveError = Distance(dense, OrtOracle.Run(adaptive, feed)[y]);
        output.WriteLine($"seed {seed} {pattern} ({outputs}×{inputs}): ‖WX − ŴX‖ magnitude {magnitudeError:F3}, sparsegpt {obsError:F3}, adaptive masks {adaptiveError:F3}");
        Assert.True(obsError < magnitudeError, $"sparsegpt {obsError} vs magnitude {magnitudeError}");
        Assert.True(adaptiveError < magnitudeError, $"sparsegpt with adaptive masks {adaptiveError} vs magnitude {magnitudeError}");
        Agreement.AssertClose(OrtOracle.Run(obs, feed)[y], ReferenceExecutor.Run(obs, feed)[y], atol: 1e-4f);
    }

    private static double Distance(Tensor a, Tensor b) =>
        Math.Sqrt(a.ToFloatArray().Zip(b.ToFloatArray(), (p, q) => (double)(p - q) * (p - q)).Sum());

    /// <summary>
    /// Measured (docs/results.md): at 90 % per layer, one-shot, SparseGPT 61.55 % beats magnitude 54.10 %; Wanda
    /// (32.25 %) and Taylor (16.65 %) lose to it on this MLP. At 50 % Wanda is level with magnitude (96.20 % vs 96.10 %).
    /// </summary>
    [Fact]
    public void LeNet300_one_shot_SparseGpt_beats_magnitude_at_90_percent_and_Wanda_matches_it_at_50_in_OnnxRuntime()
    {
        var model = MnistSplits.LeNet300;
        var calibration = Tensor.FromArray(MnistSplits.Train.First(256).Features, 256, 784);
        var accuracy = new Dictionary<(string, float), double>();
        var runs = new (IPruningCriterion Criterion, float Sparsity)[]
        {
            (MagnitudeCriterion.Instance, 0.9f), (new SparseGptCriterion(calibration), 0.9f), (new WandaCriterion(calibration), 0.9f),
            (new TaylorCriterion(MnistSplits.Train.First(1024)), 0.9f), (MagnitudeCriterion.Instance, 0.5f), (new WandaCriterion(calibration, perOutput: false), 0.5f),
        };
        foreach (var (criterion, sparsity) in runs)
        {
            var pruned = MagnitudePruner.Prune(model.Graph, new PruningOptions { Sparsity = sparsity }, criterion);
            Assert.InRange(pruned.Report.Sparsity, sparsity - 0.001, sparsity + 0.001);
            accuracy[(criterion.Name, sparsity)] = MnistSplits.OrtAccuracy(model, pruned.Graph, MnistSplits.Test);
            output.WriteLine($"{sparsity:P0} {criterion.Name,-10} {accuracy[(criterion.Name, sparsity)]:P2}");
        }

        Assert.True(accuracy[("sparsegpt", 0.9f)] > accuracy[("magnitude", 0.9f)] + 0.05);
        Assert.True(accuracy[("wanda", 0.5f)] >= accuracy[("magnitude", 0.5f)] - 0.005);
    }

    /// <summary>
    /// Measured (docs/results.md): at 70 % per layer with 512 calibration digits and no labels, SparseGPT proper
    /// (sequential, masks re-chosen per 128 columns) keeps 96.75 % against the dense 97.20 %; scoring the dense
    /// activations with one mask (the criterion) gives 96.45 % and a global OBS threshold 96.90 %.
    /// </summary>
    [Fact]
    public void LeNet300_sequential_SparseGpt_loses_at_most_half_a_point_at_70_percent_in_OnnxRuntime()
    {
        var model = MnistSplits.LeNet300;
        var calibration = Tensor.FromArray(MnistSplits.Train.First(512).Features, 512, 784);
        double dense = MnistSplits.OrtAccuracy(model, model.Graph, MnistSplits.Test);
        var runs = new (string Name, PruningResult Result)[]
        {
            ("criterion, dense inputs", MagnitudePruner.Prune(model.Graph, new PruningOptions { Sparsity = 0.7f }, new SparseGptCriterion(calibration))),
            ("sequential, one mask", SparseGptPruner.Prune(model.Graph, new PruningOptions { Sparsity = 0.7f }, calibration, new SparseGptOptions { BlockSize = 0 })),
            ("sequential, adaptive", SparseGptPruner.Prune(model.Graph, new PruningOptions { Sparsity = 0.7f }, calibration)),
            ("global, adaptive", SparseGptPruner.Prune(model.Graph, new PruningOptions { Sparsity = 0.7f, Scope = PruningScope.Global }, calibration)),
        };
        var accuracy = new Dictionary<string, double>();
        foreach (var (name, result) in runs)
        {
            Assert.Equal(0.7, result.Report.Sparsity, 0.0005);
            accuracy[name] = MnistSplits.OrtAccuracy(model, result.Graph, MnistSplits.Test);
            output.WriteLine($"{name,-24} {accuracy[name]:P2} ({(accuracy[name] - dense) * 100:+0.00;-0.00} pt)");
        }

        Assert.True(accuracy["sequential, adaptive"] >= dense - 0.005, $"{accuracy["sequential, adaptive"]:P2} vs dense {dense:P2}");
        Assert.True(accuracy["global, adaptive"] >= dense - 0.005, $"{accuracy["global, adaptive"]:P2} vs dense {dense:P2}");
        var pruned = runs[2].Result.Graph;
        var feed = new Dictionary<string, Tensor> { [pruned.Inputs[0].Name] = calibration };
        Agreement.AssertClose(OrtOracle.Run(model with { Graph = pruned }, feed)[pruned.Outputs[0].Name], ReferenceExecutor.Run(pruned, feed)[pruned.Outputs[0].Name], atol: 1e-4f);
    }
}
