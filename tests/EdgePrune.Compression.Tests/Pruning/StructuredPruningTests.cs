using EdgePrune.Compression.Pruning.Structured;
using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using Xunit.Abstractions;

namespace EdgePrune.Compression.Tests.Pruning;

/// <summary>
/// Channel and neuron removal judged by ONNX Runtime: channels whose weights are exactly zero contribute nothing, so
/// removing them (and rewiring every consumer) must leave ORT's outputs unchanged.
/// </summary>
public class StructuredPruningTests(ITestOutputHelper output)
{
    private static Dictionary<string, AttributeValue> Attrs(params (string Name, AttributeValue Value)[] attributes) =>
        attributes.ToDictionary(a => a.Name, a => a.Value);

    /// <summary>
    /// Conv → Relu, Conv → BatchNorm, residual Add, then a depthwise Conv and a 1×1 Conv concatenated, a Conv, MaxPool,
    /// Flatten (16 features per channel), Gemm → Relu → Gemm. The channels listed in <paramref name="zero"/> get exactly
    /// zero weights and biases (and a BatchNorm that maps 0 to 0) in every layer that produces them.
    /// </summary>
    private static Graph ResidualConcatNet(Random random, int width, int side, int tail, int hidden, Dictionary<string, int[]> zero)
    {
        var b = new GraphBuilder(17, "residual-concat");
        string x = b.Input("x", DataType.Float, 2, 3, 8, 8);
        Tensor Weights(string group, params int[] shape)
        {
            var w = TestTensors.Uniform(random, shape).ToFloatArray();
            int perOutput = w.Length / shape[0];
            foreach (int c in zero.GetValueOrDefault(group, []))
            {
                Array.Clear(w, c * perOutput, perOutput);
            }

            return Tensor.FromArray(w, shape);
        }

        Tensor GemmWeights(string group, int inputs, int outputs)
        {
            var w = TestTensors.Uniform(random, [inputs, outputs]).ToFloatArray();
            foreach (int c in zero.GetValueOrDefault(group, []))
            {
                for (int k = 0; k < inputs; k++)
                {
                    w[k * outputs + c] = 0;
                }
            }

            return Tensor.FromArray(w, inputs, outputs);
        }

        var pad1 = Attrs(("pads", AttributeValue.Of(1L, 1, 1, 1)));
        string a = b.Op("Relu", [b.Op("Conv", [x, b.Initializer("w1", Weights("residual", width, 3, 3, 3)), b.Initializer("b1", Weights("residual", width))], pad1)]);
        string c2 = b.Op("Conv", [a, b.Initializer("w2", Weights("residual", width, width, 3, 3))], pad1);
        var mean = TestTensors.Uniform(random, [width]).ToFloatArray();
        var beta = TestTensors.Uniform(random, [width]).ToFloatArray();
        foreach (int c in zero.GetValueOrDefault("residual", []))
        {
            mean[c] = beta[c] = 0;
        }

        string bn = b.Op("BatchNormalization", [c2, b.Initializer("gamma", TestTensors.Uniform(random, [width], 0.5f, 1.5f)), b.Initializer("beta", Tensor.FromArray(beta, width)),
            b.Initializer("mean", Tensor.FromArray(mean, width)), b.Initializer("var", TestTensors.Uniform(random, [width], 0.5f, 1.5f))]);
        string r = b.Op("Add", [a, bn]);
        string d = b.Op("Conv", [r, b.Initializer("wd", Weights("residual", width, 1, 3, 3)), b.Initializer("bd", Weights("residual", width))],
            Attrs(("pads", AttributeValue.Of(1L, 1, 1, 1)), ("group", AttributeValue.Of((long)width))));
        string e = b.Op("Conv", [r, b.Initializer("w4", Weights("side", side, width, 1, 1)), b.Initializer("b4", Weights("side", side))]);
        string cat = b.Op("Concat", [d, e], Attrs(("axis", AttributeValue.Of(1L))));
        string t = b.Op("Conv", [cat, b.Initializer("w5", Weights("tail", tail, width + side, 1, 1)), b.Initializer("b5", Weights("tail", tail))]);
        string pooled = b.Op("MaxPool", [t], Attrs(("kernel_shape", AttributeValue.Of(2L, 2)), ("strides", AttributeValue.Of(2L, 2))));
        string flat = b.Op("Flatten", [pooled]);
        string h = b.Op("Relu", [b.Op("Gemm", [flat, b.Initializer("g1", GemmWeights("hidden", tail * 16, hidden)), b.Initializer("c1", Weights("hidden", hidden))])]);
        string y = b.Op("Gemm", [h, b.Initializer("g2", TestTensors.Uniform(random, [4, hidden])), b.Initializer("c2", TestTensors.Uniform(random, [4]))],
            Attrs(("transB", AttributeValue.Of(1L))));
        b.Output(y);
        return b.Build();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Removing_channels_with_zero_weights_leaves_OnnxRuntime_outputs_unchanged(int seed)
    {
        var random = new Random(seed);
        int width = random.Next(4, 9), side = random.Next(2, 7), tail = random.Next(2, 6), hidden = random.Next(3, 9);
        const float Fraction = 0.5f;
        int[] Zeros(int n) => Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take((int)Math.Floor(Fraction * n)).ToArray();
        var zero = new Dictionary<string, int[]> { ["residual"] = Zeros(width), ["side"] = Zeros(side), ["tail"] = Zeros(tail), ["hidden"] = Zeros(hidden) };
        var graph = ResidualConcatNet(random, width, side, tail, hidden, zero);

        var channels = StructuredPruner.Prune(graph, new StructuredOptions { Fraction = Fraction, Unit = StructuredUnit.Channels });
        var neurons = StructuredPruner.Prune(channels.Graph, new StructuredOptions { Fraction = Fraction, Unit = StructuredUnit.Neurons });
        var pruned = neurons.Graph;

        int Kept(int n) => n - (int)Math.Floor(Fraction * n);
        Assert.Equal([Kept(width), 3, 3, 3], pruned.Initializers["w1"].Shape.ToArray());
        Assert.Equal([Kept(width), Kept(width), 3, 3], pruned.Initializers["w2"].Shape.ToArray());
        Assert.Equal([Kept(width)], pruned.Initializers["var"].Shape.ToArray());
        Assert.Equal([Kept(width), 1, 3, 3], pruned.Initializers["wd"].Shape.ToArray());
        Assert.Equal([Kept(tail), Kept(width) + Kept(side), 1, 1], pruned.Initializers["w5"].Shape.ToArray());
        Assert.Equal([Kept(tail) * 16, Kept(hidden)], pruned.Initializers["g1"].Shape.ToArray());
        Assert.Equal([4, Kept(hidden)], pruned.Initializers["g2"].Shape.ToArray());
        Assert.True(neurons.Report.ParametersAfter < channels.Report.ParametersBefore);

        var input = new Dictionary<string, Tensor> { ["x"] = TestTensors.Uniform(random, [2, 3, 8, 8]) };
        string name = graph.Outputs[0].Name;
        var expected = OrtOracle.Run(graph, input)[name];
        var actual = OrtOracle.Run(pruned, input)[name];
        output.WriteLine($"seed {seed}: widths {width}/{side}/{tail}/{hidden}, max |Δ| {Agreement.MaxAbsDiff(expected, actual):G3}");
        Agreement.AssertClose(expected, actual, atol: 1e-5f, rtol: 1e-5f);
        Agreement.AssertClose(actual, EdgePrune.Core.Execution.ReferenceExecutor.Run(pruned, input)[name], atol: 1e-5f, rtol: 1e-4f, what: "reference executor on the pruned graph");
    }
}

/// <summary>Half the hidden neurons of the committed LeNet-300-100 removed, then briefly fine-tuned; accuracy by ONNX Runtime.</summary>
public class LeNetNeuronPruningTests(ITestOutputHelper output)
{
    [Fact]
    public void LeNet300_with_half_its_hidden_neurons_removed_recovers_after_two_epochs_in_OnnxRuntime()
    {
        var model = MnistSplits.LeNet300;
        var result = StructuredPruner.Prune(model.Graph, new StructuredOptions { Fraction = 0.5f, Unit = StructuredUnit.Neurons });
        Assert.Equal([(300, 150), (100, 50)], result.Report.Groups.Select(g => (g.ChannelsBefore, g.ChannelsAfter)));
        // 784·150 + 150 + 150·50 + 50 + 50·10 + 10, by hand
        Assert.Equal(784 * 150 + 150 + 150 * 50 + 50 + 50 * 10 + 10, result.Report.ParametersAfter);

        var options = new EdgePrune.Training.TrainingOptions { Epochs = 2, LearningRate = 1e-3f, ShiftPixels = 1 };
        var tuned = EdgePrune.Compression.Pruning.PruningRecovery.Finetune(result.Graph, MnistSplits.Train, options).Graph;
        double dense = MnistSplits.OrtAccuracy(model, model.Graph, MnistSplits.Test);
        double cut = MnistSplits.OrtAccuracy(model, result.Graph, MnistSplits.Test);
        double recovered = MnistSplits.OrtAccuracy(model, tuned, MnistSplits.Test);
        output.WriteLine($"dense {dense:P2}, 50 % of neurons removed {cut:P2}, fine-tuned 2 epochs {recovered:P2}");
        Assert.True(recovered >= dense - 0.01, $"fine-tuned {recovered:P2} vs dense {dense:P2}");
    }
}
