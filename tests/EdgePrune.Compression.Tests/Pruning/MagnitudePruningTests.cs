using EdgePrune.Compression.Pruning;
using EdgePrune.Compression.Tests.Quantization;
using EdgePrune.Core;
using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;

namespace EdgePrune.Compression.Tests.Pruning;

/// <summary>Magnitude pruning against hand-computed patterns, and every pruned model against ONNX Runtime.</summary>
public class MagnitudePruningTests
{
    public static TheoryData<string> Patterns => new() { "unstructured", "2:4", "1:4", "4:8", "block:2x4", "block:3x2" };

    [Fact]
    public void Per_layer_unstructured_zeroes_the_hand_picked_smallest_weights()
    {
        // MatMul B is [K=2, N=3]; |w| sorted: 0.1 (idx 4), 0.2 (idx 0), 0.3 (idx 5), ... → 50 % of 6 = 3 zeros.
        var graph = TinyMatMul("w", [-0.2f, 0.9f, 0.5f, -0.7f, 0.1f, -0.3f], 2, 3);
        var result = MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = 0.5f });
        Assert.Equal(new[] { 0f, 0.9f, 0.5f, -0.7f, 0f, 0f }, result.Graph.Initializers["w"].ToFloatArray());
        var layer = Assert.Single(result.Report.Layers);
        Assert.Equal((6, 6, 3), (layer.Parameters, layer.NonZerosBefore, layer.NonZeros));
        Assert.Equal(24, layer.BytesBefore);
        Assert.Equal(1 + 3 * 4, layer.BytesAfter); // bitmask of 6 bits + 3 fp32 values
    }

    [Fact]
    public void Global_threshold_matches_a_hand_computed_cut_and_keeps_each_layers_minimum()
    {
        // Two Gemms (transB = 1). Layer a: |w| = 0.1 0.2 0.3 0.4; layer b: 0.05 0.15 0.6 0.7.
        // 50 % of 8 = 4 zeros, globally smallest first: 0.05(b) 0.1(a) 0.15(b) 0.2(a) → threshold between 0.2 and 0.3.
        var graph = TwoGemms([0.1f, -0.2f, 0.3f, -0.4f], [0.05f, 0.15f, -0.6f, 0.7f]);
        var result = MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = 0.5f, Scope = PruningScope.Global });
        Assert.Equal(new[] { 0f, 0f, 0.3f, -0.4f }, result.Graph.Initializers["a"].ToFloatArray());
        Assert.Equal(new[] { 0f, 0f, -0.6f, 0.7f }, result.Graph.Initializers["b"].ToFloatArray());

        // 75 % = 6 zeros, each layer keeps ceil(0.25·4) = 1. Ranked: 0.05b 0.1a 0.15b 0.2a 0.3a 0.4a 0.6b 0.7b;
        // 0.4 would be a's fourth zero, so it is skipped and 0.6 (b) is the sixth.
        var capped = MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = 0.75f, Scope = PruningScope.Global, MinKeptPerLayer = 0.25f });
        Assert.Equal(new[] { 0f, 0f, 0f, -0.4f }, capped.Graph.Initializers["a"].ToFloatArray());
        Assert.Equal(new[] { 0f, 0f, 0f, 0.7f }, capped.Graph.Initializers["b"].ToFloatArray());

        // a layer of tiny weights keeps its minimum although all of them lie below the global threshold
        var tiny = TwoGemms([0.01f, 0.02f, 0.03f, 0.04f], [1f, 2f, 3f, 4f]);
        var kept = MagnitudePruner.Prune(tiny, new PruningOptions { Sparsity = 0.5f, Scope = PruningScope.Global, MinKeptPerLayer = 0.25f });
        Assert.Equal(new[] { 0f, 0f, 0f, 0.04f }, kept.Graph.Initializers["a"].ToFloatArray());
        Assert.Equal(new[] { 0f, 2f, 3f, 4f }, kept.Graph.Initializers["b"].ToFloatArray());
    }

    [Fact]
    public void Erk_scope_splits_the_target_by_hand_computed_Erdos_Renyi_kernel_densities()
    {
        // LeNet-300-100's shapes. Density = ε·(n_in + n_out)/(n_in·n_out), Σ density·size = (1 − S)·266,200.
        // 98 %: ε = 5,324 / (1,084 + 400 + 110) = 3.34003; kept 3.34003·1,084 = 3,620.6 → 3,621 (fc1), 1,336 (fc2), 367.4 → 367 (fc3).
        // 70 %: fc3 would exceed density 1 and stays dense; ε = (79,860 − 1,000) / (1,084 + 400) = 53.1402 → fc1 keeps 57,604, fc2 21,256.
        var random = new Random(3);
        var b = new GraphBuilder(17, "mlp");
        string x = b.Input("x", DataType.Float, Dim.Named("N"), 784);
        foreach (var (name, inputs, outputs) in new[] { ("fc1", 784, 300), ("fc2", 300, 100), ("fc3", 100, 10) })
        {
            x = b.Op("Gemm", [x, b.Initializer(name, TestTensors.Uniform(random, [inputs, outputs]))]);
        }

        b.Output(x);
        var graph = b.Build();
        int[] Kept(float sparsity) => MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = sparsity, Scope = PruningScope.Erk })
            .Report.Layers.Select(l => (int)l.NonZeros).ToArray();
        Assert.Equal(new[] { 3621, 1336, 367 }, Kept(0.98f));
        Assert.Equal(new[] { 57604, 21256, 1000 }, Kept(0.7f));
    }

    [Theory]
    [InlineData(2, 4)]
    [InlineData(1, 4)]
    [InlineData(4, 8)]
    public void N_of_M_leaves_at_most_N_nonzeros_in_every_group_of_M_inputs(int n, int m)
    {
        var random = new Random(n * 10 + m);
        var graph = TestGraphs.SmallCnn(random);
        var pruned = MagnitudePruner.Prune(graph, new PruningOptions { Pattern = SparsityPattern.Parse($"{n}:{m}") }).Graph;
        foreach (var (name, layout) in new[] { ("fw", "gemmT"), ("c1w", "conv"), ("c2w", "conv") })
        {
            var before = graph.Initializers[name];
            var w = pruned.Initializers[name].ToFloatArray();
            var original = before.ToFloatArray();
            int outputs = before.Shape[0], channels = before.Shape[1], positions = before.ElementCount / outputs / channels;
            for (int o = 0; o < outputs; o++)
            {
                for (int p = 0; p < positions; p++)
                {
                    // inputs of one output at one kernel position, channel by channel (Gemm: positions = 1)
                    var line = Enumerable.Range(0, channels).Select(c => (o * channels + c) * positions + p).ToArray();
                    for (int start = 0; start < channels; start += m)
                    {
                        var group = line.Skip(start).Take(m).ToArray();
                        if (layout == "conv" && channels % m != 0)
                        {
                            continue; // groups then run across kernel positions; checked below through the overall count
                        }

                        Assert.True(group.Count(i => w[i] != 0) <= n, $"{name} output {o} group at {start}");
                        float smallestKept = group.Where(i => w[i] != 0).Select(i => Math.Abs(original[i])).DefaultIfEmpty(float.MaxValue).Min();
                        Assert.All(group.Where(i => w[i] == 0), i => Assert.True(Math.Abs(original[i]) <= smallestKept));
                    }
                }
            }

            Assert.True(w.Count(v => v != 0) <= (long)outputs * (int)Math.Ceiling(channels * positions / (double)m) * n);
        }
    }

    [Fact]
    public void Two_of_four_on_a_Gemm_without_transB_groups_along_K()
    {
        // B is [K=4, N=2]; column 0 = {4, -1, 3, 2} keeps 4 and 3, column 1 = {0.5, -6, 0.1, 7} keeps -6 and 7.
        var graph = TinyMatMul("w", [4f, 0.5f, -1f, -6f, 3f, 0.1f, 2f, 7f], 4, 2);
        var pruned = MagnitudePruner.Prune(graph, new PruningOptions { Pattern = SparsityPattern.Parse("2:4") });
        Assert.Equal(new[] { 4f, 0f, 0f, -6f, 3f, 0f, 0f, 7f }, pruned.Graph.Initializers["w"].ToFloatArray());
    }

    [Fact]
    public void Block_pruning_zeroes_whole_blocks_of_smallest_mean_magnitude()
    {
        // Gemm transB = 1, W [outputs 4, inputs 4], blocks 2×2: top-left mean 1, top-right 0.1, bottom-left 0.2, bottom-right 2.
        float[] w =
        [
            1f, -1f, 0.1f, -0.1f,
            1f, 1f, 0.1f, 0.1f,
            0.2f, 0.2f, 2f, -2f,
            -0.2f, 0.2f, 2f, 2f,
        ];
        var graph = TwoGemms(w, Enumerable.Repeat(1f, 16).ToArray(), size: 4);
        var pruned = MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = 0.5f, Pattern = SparsityPattern.Parse("block:2x2") });
        float[] expected =
        [
            1f, -1f, 0f, 0f,
            1f, 1f, 0f, 0f,
            0f, 0f, 2f, -2f,
            0f, 0f, 2f, 2f,
        ];
        Assert.Equal(expected, pruned.Graph.Initializers["a"].ToFloatArray());
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Pruned_models_match_OnnxRuntime_and_zeros_survive_export(string pattern)
    {
        var random = new Random(pattern.Sum(c => c));
        foreach (var graph in new[] { TestGraphs.Mlp(random), TestGraphs.SmallCnn(random), TestGraphs.Depthwise(random) })
        {
            var parsed = SparsityPattern.Parse(pattern);
            var result = MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = 0.6f, Pattern = parsed });
            var input = graph.Inputs[0];
            int[] shape = [3, .. input.Type.Shape!.Skip(1).Select(d => (int)d.Value!.Value)];
            var feed = new Dictionary<string, Tensor> { [input.Name] = TestTensors.Uniform(random, shape) };
            string output = graph.Outputs[0].Name;
            var ours = ReferenceExecutor.Run(result.Graph, feed)[output];
            Agreement.AssertClose(OrtOracle.Run(result.Graph, feed)[output], ours, what: $"{graph.Name} {pattern}");

            var reloaded = OnnxImporter.Load(OnnxExporter.ToBytes(new Model { Graph = result.Graph }), "pruned").Graph;
            foreach (var layer in result.Report.Layers)
            {
                var before = result.Graph.Initializers[layer.Weight].ToFloatArray();
                var after = reloaded.Initializers[layer.Weight].ToFloatArray();
                Assert.Equal(before.Select(v => v == 0), after.Select(v => v == 0));
                Assert.Equal(layer.NonZeros, after.Count(v => v != 0));
            }

            if (parsed.Kind == PatternKind.Unstructured)
            {
                Assert.All(result.Report.Layers, l => Assert.Equal(l.Parameters - (long)Math.Floor(0.6 * l.Parameters), l.NonZeros));
            }
        }
    }

    [Fact]
    public void Bad_requests_name_the_problem()
    {
        var graph = TinyMatMul("w", [1f, 2f], 1, 2);
        Assert.Contains("[0, 1)", Assert.Throws<EdgePruneException>(() => MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = 1f })).Message);
        Assert.Contains("unknown sparsity pattern '3:4'", Assert.Throws<EdgePruneException>(() => SparsityPattern.Parse("3:4")).Message);
        Assert.Contains("block:RxC", Assert.Throws<EdgePruneException>(() => SparsityPattern.Parse("block:0x4")).Message);

        var b = new GraphBuilder(opset: 13, name: "relu");
        b.Output(b.Op("Relu", [b.Input("x", DataType.Float, 1, 4)]));
        Assert.Contains("nothing to prune", Assert.Throws<EdgePruneException>(() => MagnitudePruner.Prune(b.Build(), new PruningOptions { Sparsity = 0.5f })).Message);
    }

    private static Graph TinyMatMul(string name, float[] w, int k, int n)
    {
        var b = new GraphBuilder(opset: 13, name: "tiny");
        var x = b.Input("x", DataType.Float, Dim.Named("N"), k);
        b.Output(b.Op("MatMul", [x, b.Initializer(name, Tensor.FromArray(w, k, n))]));
        return b.Build();
    }

    private static Graph TwoGemms(float[] a, float[] bWeights, int size = 2)
    {
        var b = new GraphBuilder(opset: 13, name: "two");
        var x = b.Input("x", DataType.Float, Dim.Named("N"), size);
        var transB = TestGraphs.Attrs(("transB", AttributeValue.Of(1L)));
        var h = b.Op("Gemm", [x, b.Initializer("a", Tensor.FromArray(a, size, size))], transB);
        b.Output(b.Op("Gemm", [h, b.Initializer("b", Tensor.FromArray(bWeights, size, size))], transB));
        return b.Build();
    }
}
