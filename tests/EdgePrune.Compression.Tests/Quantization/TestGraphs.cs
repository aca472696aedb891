using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;

namespace EdgePrune.Compression.Tests.Quantization;

/// <summary>Small seeded graphs covering every int8 step kind; weights are random, the batch axis is symbolic.</summary>
internal static class TestGraphs
{
    public static Dictionary<string, AttributeValue> Attrs(params (string Name, AttributeValue Value)[] attributes) =>
        attributes.ToDictionary(a => a.Name, a => a.Value);

    public static AttributeValue Ints(params long[] values) => AttributeValue.Of(values);

    public static Tensor Weights(Random random, params int[] shape)
    {
        int fanIn = shape.Length > 1 ? shape.Skip(1).Aggregate(1, (p, d) => p * d) : shape[0];
        float bound = MathF.Sqrt(6f / fanIn);
        return TestTensors.Uniform(random, shape, -bound, bound);
    }

    /// <summary>Gemm(transB) + Relu, Gemm + Clip(0, 6), MatMul + bias-free Softmax head: [N, 20] → [N, 10].</summary>
    public static Graph Mlp(Random random)
    {
        var b = new GraphBuilder(opset: 13, name: "mlp");
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 20);
        var h = b.Op("Gemm", [x, b.Initializer("w1", Weights(random, 32, 20)), b.Initializer("b1", TestTensors.Uniform(random, [32], -0.2f, 0.2f))], Attrs(("transB", AttributeValue.Of(1L))));
        h = b.Op("Relu", [h]);
        h = b.Op("Gemm", [h, b.Initializer("w2", Weights(random, 32, 24)), b.Initializer("b2", TestTensors.Uniform(random, [24], -0.2f, 0.2f))], Attrs(("alpha", AttributeValue.Of(0.5f))));
        h = b.Op("Clip", [h, b.Initializer("lo", Tensor.Scalar(0f)), b.Initializer("hi", Tensor.Scalar(6f))]);
        var logits = b.Op("MatMul", [h, b.Initializer("w3", Weights(random, 24, 10))]);
        b.Output(logits);
        return b.Build();
    }

    /// <summary>Conv → BatchNormalization → Relu → MaxPool → Conv(pads) → Relu → AveragePool(pads) → Flatten → Gemm: [N, 2, 12, 12] → [N, 10].</summary>
    public static Graph SmallCnn(Random random)
    {
        var b = new GraphBuilder(opset: 13, name: "cnn");
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 2, 12, 12);
        var h = b.Op("Conv", [x, b.Initializer("c1w", Weights(random, 6, 2, 3, 3))]);
        h = b.Op("BatchNormalization", [h,
            b.Initializer("bn_scale", TestTensors.Uniform(random, [6], 0.5f, 1.5f)),
            b.Initializer("bn_bias", TestTensors.Uniform(random, [6], -0.3f, 0.3f)),
            b.Initializer("bn_mean", TestTensors.Uniform(random, [6], -0.2f, 0.2f)),
            b.Initializer("bn_var", TestTensors.Uniform(random, [6], 0.5f, 2f))]);
        h = b.Op("Relu", [h]);
        h = b.Op("MaxPool", [h], Attrs(("kernel_shape", Ints(2, 2)), ("strides", Ints(2, 2))));
        h = b.Op("Conv", [h, b.Initializer("c2w", Weights(random, 8, 6, 3, 3)), b.Initializer("c2b", TestTensors.Uniform(random, [8], -0.1f, 0.1f))],
            Attrs(("pads", Ints(1, 1, 1, 1))));
        h = b.Op("Relu", [h]);
        h = b.Op("AveragePool", [h], Attrs(("kernel_shape", Ints(3, 3)), ("strides", Ints(2, 2)), ("pads", Ints(1, 1, 1, 1))));
        h = b.Op("Flatten", [h]);
        var logits = b.Op("Gemm", [h, b.Initializer("fw", Weights(random, 10, 72)), b.Initializer("fb", TestTensors.Uniform(random, [10], -0.1f, 0.1f))], Attrs(("transB", AttributeValue.Of(1L))));
        b.Output(logits);
        return b.Build();
    }

    /// <summary>Pointwise Conv → Relu6 (Clip) → depthwise 3×3 Conv (group = channels, stride 2) → Relu → GlobalAveragePool → Reshape → Softmax.</summary>
    public static Graph Depthwise(Random random)
    {
        var b = new GraphBuilder(opset: 13, name: "depthwise");
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 3, 10, 10);
        var h = b.Op("Conv", [x, b.Initializer("pw", Weights(random, 8, 3, 1, 1)), b.Initializer("pwb", TestTensors.Uniform(random, [8], -0.1f, 0.1f))]);
        h = b.Op("Clip", [h, b.Initializer("zero", Tensor.Scalar(0f)), b.Initializer("six", Tensor.Scalar(6f))]);
        h = b.Op("Conv", [h, b.Initializer("dw", Weights(random, 8, 1, 3, 3)), b.Initializer("dwb", TestTensors.Uniform(random, [8], -0.1f, 0.1f))],
            Attrs(("group", AttributeValue.Of(8L)), ("strides", Ints(2, 2)), ("pads", Ints(1, 1, 1, 1))));
        h = b.Op("Relu", [h]);
        h = b.Op("GlobalAveragePool", [h]);
        h = b.Op("Reshape", [h, b.Initializer("shape", Tensor.FromArray(new long[] { -1, 8 }, 2))]);
        var probabilities = b.Op("Softmax", [h]);
        b.Output(probabilities);
        return b.Build();
    }

    /// <summary>A residual block: Conv → Relu → Conv, Add with the block input, Relu; then a Concat with a Sigmoid branch and a Gemm head.</summary>
    public static Graph Residual(Random random)
    {
        var b = new GraphBuilder(opset: 13, name: "residual");
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 4, 6, 6);
        var stem = b.Op("Conv", [x, b.Initializer("sw", Weights(random, 4, 4, 3, 3))], Attrs(("pads", Ints(1, 1, 1, 1))));
        stem = b.Op("Relu", [stem]);
        var h = b.Op("Conv", [stem, b.Initializer("aw", Weights(random, 4, 4, 3, 3)), b.Initializer("ab", TestTensors.Uniform(random, [4], -0.1f, 0.1f))], Attrs(("pads", Ints(1, 1, 1, 1))));
        h = b.Op("Relu", [h]);
        h = b.Op("Conv", [h, b.Initializer("bw", Weights(random, 4, 4, 3, 3))], Attrs(("pads", Ints(1, 1, 1, 1))));
        h = b.Op("Add", [h, stem]);
        h = b.Op("Relu", [h]);
        var gate = b.Op("Sigmoid", [h]);
        h = b.Op("Concat", [h, gate], Attrs(("axis", AttributeValue.Of(1L))));
        h = b.Op("Flatten", [h]);
        var logits = b.Op("Gemm", [h, b.Initializer("hw", Weights(random, 288, 10))]);
        b.Output(logits);
        return b.Build();
    }

    /// <summary>
    /// A LeNet-like CNN as PyTorch exports it: Conv → Relu → MaxPool, then <c>x.view(x.size(0), -1)</c> as
    /// Shape → Gather → Unsqueeze → Concat → Reshape, then Gemm → Relu → Gemm: [N, 1, 10, 10] → [N, 10].
    /// </summary>
    public static Graph PyTorchStyleLeNet(Random random)
    {
        var b = new GraphBuilder(opset: 13, name: "lenet_like");
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 1, 10, 10);
        var h = b.Op("Conv", [x, b.Initializer("cw", Weights(random, 4, 1, 3, 3)), b.Initializer("cb", TestTensors.Uniform(random, [4], -0.1f, 0.1f))]);
        h = b.Op("Relu", [h]);
        h = b.Op("MaxPool", [h], Attrs(("kernel_shape", Ints(2, 2)), ("strides", Ints(2, 2))));
        var shape = b.Op("Shape", [h]);
        var batch = b.Op("Gather", [shape, b.Initializer("zero", Tensor.Scalar(0L))], Attrs(("axis", AttributeValue.Of(0L))));
        var batchVector = b.Op("Unsqueeze", [batch, b.Initializer("axes", Tensor.FromArray(new long[] { 0 }, 1))]);
        var newShape = b.Op("Concat", [batchVector, b.Initializer("rest", Tensor.FromArray(new long[] { -1 }, 1))], Attrs(("axis", AttributeValue.Of(0L))));
        h = b.Op("Reshape", [h, newShape]);
        h = b.Op("Gemm", [h, b.Initializer("f1", Weights(random, 32, 64)), b.Initializer("f1b", TestTensors.Uniform(random, [32], -0.1f, 0.1f))], Attrs(("transB", AttributeValue.Of(1L))));
        h = b.Op("Relu", [h]);
        var logits = b.Op("Gemm", [h, b.Initializer("f2", Weights(random, 10, 32))], Attrs(("transB", AttributeValue.Of(1L))));
        b.Output(logits);
        return b.Build();
    }

    /// <summary>Seeded uniform samples [count, sample shape…] in [low, high].</summary>
    public static Tensor Samples(Random random, int count, int[] sampleShape, float low = -1f, float high = 1f) =>
        TestTensors.Uniform(random, [count, .. sampleShape], low, high);
}
