using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;
using static EdgePrune.Runtime.Tests.TestGraphs;

namespace EdgePrune.Runtime.Tests;

public class OnnxRuntimeAgreementTests
{
    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 0.9)]
    [InlineData(3, 0.5)]
    [InlineData(4, 0.97)]
    public void Mlp_matches_OnnxRuntime_dense_and_magnitude_sparse(int seed, double sparsity)
    {
        var random = new Random(seed);
        int[] widths = [random.Next(5, 300), random.Next(3, 120), random.Next(2, 40), random.Next(2, 12)];
        var graph = Mlp(random, widths, sparsity, softmax: seed % 2 == 0);
        var (expected, actual) = RuntimeHarness.RunBoth(graph, TestTensors.Uniform(random, [1, widths[0]]));
        RuntimeHarness.AssertClose(expected, actual);
    }

    [Theory]
    [InlineData(11, 0.0)]
    [InlineData(12, 0.9)]
    public void Cnn_with_groups_depthwise_pools_and_concat_matches_OnnxRuntime(int seed, double sparsity)
    {
        var random = new Random(seed);
        var b = new GraphBuilder(opset: 13, name: "cnn");
        string x = b.Input("x", DataType.Float, 1, 4, 13, 11);
        string c1 = b.Op("Conv", [x, b.Initializer("w1", Pruned(TestTensors.Uniform(random, [8, 4, 3, 3]), sparsity)), b.Initializer("b1", TestTensors.Uniform(random, [8]))],
            Attrs(("pads", AttributeValue.Of(1L, 1L, 1L, 1L))));
        string r1 = b.Op("Relu", [c1]);
        string dw = b.Op("Conv", [r1, b.Initializer("w2", Pruned(TestTensors.Uniform(random, [8, 1, 3, 3]), sparsity))],
            Attrs(("group", AttributeValue.Of(8L)), ("strides", AttributeValue.Of(2L, 2L)), ("pads", AttributeValue.Of(0L, 1L, 1L, 0L))));
        string grouped = b.Op("Conv", [r1, b.Initializer("w3", Pruned(TestTensors.Uniform(random, [8, 4, 2, 3]), sparsity))],
            Attrs(("group", AttributeValue.Of(2L)), ("strides", AttributeValue.Of(2L, 2L)), ("dilations", AttributeValue.Of(1L, 2L)), ("pads", AttributeValue.Of(0L, 2L, 0L, 1L))));
        string cat = b.Op("Concat", [dw, grouped], Attrs(("axis", AttributeValue.Of(1L))));
        string mp = b.Op("MaxPool", [cat], Attrs(("kernel_shape", AttributeValue.Of(2L, 2L)), ("strides", AttributeValue.Of(2L, 2L)), ("ceil_mode", AttributeValue.Of(1L))));
        string ap = b.Op("AveragePool", [cat], Attrs(("kernel_shape", AttributeValue.Of(3L, 3L)), ("pads", AttributeValue.Of(1L, 1L, 1L, 1L)), ("strides", AttributeValue.Of(2L, 2L))));
        string sum = b.Op("Add", [mp, ap]);
        string gap = b.Op("GlobalAveragePool", [sum]);
        string flat = b.Op("Flatten", [gap]);
        string fc = b.Op("Gemm", [flat, b.Initializer("wf", TestTensors.Uniform(random, [16, 5])), b.Initializer("bf", TestTensors.Uniform(random, [5]))]);
        b.Output(b.Op("Sigmoid", [fc]));
        var graph = b.Build();
        var (expected, actual) = RuntimeHarness.RunBoth(graph, TestTensors.Uniform(random, [1, 4, 13, 11]));
        RuntimeHarness.AssertClose(expected, actual);
    }

    [Theory]
    [InlineData(21, 0.0)]
    [InlineData(22, 0.9)]
    public void Sensor_cnn_1d_matches_OnnxRuntime(int seed, double sparsity)
    {
        var random = new Random(seed);
        var b = new GraphBuilder(opset: 13, name: "sensor");
        string x = b.Input("x", DataType.Float, 1, 3, 64);
        string c1 = b.Op("Conv", [x, b.Initializer("w1", Pruned(TestTensors.Uniform(random, [16, 3, 5]), sparsity)), b.Initializer("b1", TestTensors.Uniform(random, [16]))],
            Attrs(("pads", AttributeValue.Of(2L, 2L))));
        string r1 = b.Op("Relu", [c1]);
        string p1 = b.Op("MaxPool", [r1], Attrs(("kernel_shape", AttributeValue.Of(new long[] { 2 })), ("strides", AttributeValue.Of(new long[] { 2 }))));
        string c2 = b.Op("Conv", [p1, b.Initializer("w2", Pruned(TestTensors.Uniform(random, [24, 16, 3]), sparsity)), b.Initializer("b2", TestTensors.Uniform(random, [24]))],
            Attrs(("strides", AttributeValue.Of(new long[] { 2 }))));
        string r2 = b.Op("Clip", [c2, b.Initializer("lo", Tensor.Scalar(0f)), b.Initializer("hi", Tensor.Scalar(6f))]);
        string gap = b.Op("GlobalAveragePool", [r2]);
        string flat = b.Op("Flatten", [gap]);
        string fc = b.Op("Gemm", [flat, b.Initializer("wf", Pruned(TestTensors.Uniform(random, [6, 24]), sparsity)), b.Initializer("bf", TestTensors.Uniform(random, [6]))],
            Attrs(("transB", AttributeValue.Of(1L))));
        b.Output(b.Op("Softmax", [fc]));
        var graph = b.Build();
        var (expected, actual) = RuntimeHarness.RunBoth(graph, TestTensors.Uniform(random, [1, 3, 64]));
        RuntimeHarness.AssertClose(expected, actual);
    }

    [Fact]
    public void ResNet18_fp32_matches_OnnxRuntime()
    {
        var model = OnnxImporter.Load(RealModels.ResNet18);
        var input = model.Graph.Inputs[0];
        var shape = input.Type.Shape!.Select(d => d.IsKnown ? (int)d.Value!.Value : 1).ToArray();
        var (expected, actual) = RuntimeHarness.RunBoth(model.Graph, TestTensors.Uniform(new Random(7), shape, 0f, 1f));
        RuntimeHarness.AssertClose(expected, actual);
    }
}
