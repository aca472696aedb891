using EdgePrune.Compression.Pruning;
using EdgePrune.Compression.Quantization;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Export.C;
using EdgePrune.Export.Epb;
using EdgePrune.Runtime;
using EdgePrune.TestSupport;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = EdgePrune.Core.Ir.Tensor;

namespace EdgePrune.Export.Tests;

/// <summary>
/// The kernels the LeNets do not reach, on small seeded graphs: 2-D conv with groups, depthwise, stride and dilation,
/// 1-D conv, max / average (with and without counted padding) / global pools, broadcast Add/Sub/Mul/Div, Concat,
/// Transpose, Sigmoid, Tanh, LeakyRelu, Clip, Softmax, and convolutions stored as CSR8, N:M and block-sparse; fp32 against the .NET runtime (1e-5) and ONNX Runtime, with
/// dense, 60 % and 95 %-sparse weights; int8 (quantized with the Quantizer) against the .NET runtime bit for bit.
/// </summary>
public sealed class OpCoverageTests
{
    private static Dictionary<string, AttributeValue> Attrs(params (string Name, AttributeValue Value)[] values) => values.ToDictionary(v => v.Name, v => v.Value);

    private static Tensor Weights(Random random, int[] shape, double sparsity)
    {
        var t = TestTensors.Uniform(random, shape);
        var data = t.ToFloatArray();
        float threshold = sparsity <= 0 ? 0 : data.Select(MathF.Abs).Order().ElementAt((int)(data.Length * sparsity));
        return Tensor.FromArray(data.Select(v => MathF.Abs(v) < threshold ? 0f : v).ToArray(), shape);
    }

    private static Graph Cnn2d(double sparsity, bool int8Friendly)
    {
        var random = new Random(11);
        var b = new GraphBuilder(opset: 13, name: "cnn2d");
        string x = b.Input("x", DataType.Float, 1, 4, 10, 10);
        string c1 = b.Op("Conv", [x, b.Initializer("w1", Weights(random, [8, 4, 3, 3], sparsity)), b.Initializer("b1", TestTensors.Uniform(random, [8]))],
            Attrs(("pads", AttributeValue.Of(1L, 1L, 1L, 1L))));
        string r1 = b.Op("Relu", [c1]);
        string dw = b.Op("Conv", [r1, b.Initializer("w2", Weights(random, [8, 1, 3, 3], sparsity)), b.Initializer("b2", TestTensors.Uniform(random, [8]))],
            Attrs(("pads", AttributeValue.Of(1L, 1L, 1L, 1L)), ("group", AttributeValue.Of(8L)), ("strides", AttributeValue.Of(2L, 2L))));
        string grouped = b.Op("Conv", [r1, b.Initializer("w3", Weights(random, [8, 4, 2, 3], sparsity))],
            Attrs(("group", AttributeValue.Of(2L)), ("strides", AttributeValue.Of(2L, 2L)), ("dilations", AttributeValue.Of(2L, 1L)), ("pads", AttributeValue.Of(1L, 1L, 1L, 0L))));
        string cat = b.Op("Concat", [dw, grouped], Attrs(("axis", AttributeValue.Of(1L))));
        string mp = b.Op("MaxPool", [cat], Attrs(("kernel_shape", AttributeValue.Of(2L, 2L)), ("strides", AttributeValue.Of(1L, 1L)), ("pads", AttributeValue.Of(0L, 0L, 1L, 1L))));
        string ap = b.Op("AveragePool", [cat], Attrs(("kernel_shape", AttributeValue.Of(3L, 3L)), ("pads", AttributeValue.Of(1L, 1L, 1L, 1L)), ("strides", AttributeValue.Of(1L, 1L))));
        string sum = b.Op("Add", [mp, ap]);
        string gap = b.Op("GlobalAveragePool", [sum]);
        string flat = b.Op("Flatten", [gap]);
        string fc = b.Op("Gemm", [flat, b.Initializer("wf", Weights(random, [16, 12], sparsity)), b.Initializer("bf", TestTensors.Uniform(random, [12]))]);
        if (int8Friendly)
        {
            b.Output(fc);
            return b.Build();
        }

        string padded = b.Op("AveragePool", [cat], Attrs(("kernel_shape", AttributeValue.Of(2L, 2L)), ("pads", AttributeValue.Of(1L, 1L, 1L, 1L)), ("count_include_pad", AttributeValue.Of(1L))));
        string transposed = b.Op("Transpose", [padded], Attrs(("perm", AttributeValue.Of(0L, 2L, 3L, 1L))));
        string scaled = b.Op("Mul", [transposed, b.Initializer("scale", TestTensors.Uniform(random, [16]))]);
        string shifted = b.Op("Sub", [scaled, b.Initializer("shift", TestTensors.Uniform(random, [6, 1, 1]))]);
        string divided = b.Op("Div", [shifted, b.Initializer("divisor", Tensor.Scalar(1.5f))]);
        string tail = b.Op("Flatten", [b.Op("GlobalAveragePool", [b.Op("Transpose", [divided], Attrs(("perm", AttributeValue.Of(0L, 3L, 1L, 2L))))])]);
        string both = b.Op("Concat", [b.Op("Sigmoid", [fc]), b.Op("Tanh", [tail])], Attrs(("axis", AttributeValue.Of(1L))));
        string leaky = b.Op("LeakyRelu", [both], Attrs(("alpha", AttributeValue.Of(0.2f))));
        string clipped = b.Op("Clip", [leaky, b.Initializer("lo", Tensor.Scalar(-0.1f)), b.Initializer("hi", Tensor.Scalar(0.8f))]);
        b.Output(b.Op("Softmax", [clipped]));
        return b.Build();
    }

    private static Graph Cnn1d(double sparsity)
    {
        var random = new Random(12);
        var b = new GraphBuilder(opset: 13, name: "cnn1d");
        string x = b.Input("x", DataType.Float, 1, 3, 40);
        string c1 = b.Op("Conv", [x, b.Initializer("w1", Weights(random, [16, 3, 5], sparsity)), b.Initializer("b1", TestTensors.Uniform(random, [16]))],
            Attrs(("strides", AttributeValue.Of(new long[] { 2 })), ("dilations", AttributeValue.Of(new long[] { 2 })), ("pads", AttributeValue.Of(2L, 1L))));
        string r1 = b.Op("Clip", [c1, b.Initializer("lo", Tensor.Scalar(0f)), b.Initializer("hi", Tensor.Scalar(6f))]);
        string p1 = b.Op("MaxPool", [r1], Attrs(("kernel_shape", AttributeValue.Of(new long[] { 3 })), ("strides", AttributeValue.Of(new long[] { 2 }))));
        string c2 = b.Op("Conv", [p1, b.Initializer("w2", Weights(random, [16, 1, 3], sparsity)), b.Initializer("b2", TestTensors.Uniform(random, [16]))],
            Attrs(("group", AttributeValue.Of(16L)), ("pads", AttributeValue.Of(1L, 1L))));
        string r2 = b.Op("Relu", [c2]);
        string p2 = b.Op("AveragePool", [r2], Attrs(("kernel_shape", AttributeValue.Of(new long[] { 2 })), ("strides", AttributeValue.Of(new long[] { 2 }))));
        string flat = b.Op("Flatten", [p2]);
        b.Output(b.Op("Gemm", [flat, b.Initializer("wf", Weights(random, [16 * 4, 6], sparsity)), b.Initializer("bf", TestTensors.Uniform(random, [6]))]));
        return b.Build();
    }

    /// <summary>Two convolutions large enough that pruning makes the writer pick CSR8 (98 %), N:M (1:4) or block-sparse (4×4 blocks) for them.</summary>
    private static Graph ConvEncodings(string pattern)
    {
        var random = new Random(13);
        var b = new GraphBuilder(opset: 13, name: "convenc");
        string x = b.Input("x", DataType.Float, 1, 16, 6, 6);
        string c1 = b.Op("Conv", [x, b.Initializer("w1", TestTensors.Uniform(random, [32, 16, 3, 3])), b.Initializer("b1", TestTensors.Uniform(random, [32]))],
            Attrs(("pads", AttributeValue.Of(1L, 1L, 1L, 1L))));
        string r1 = b.Op("Relu", [c1]);
        string c2 = b.Op("Conv", [r1, b.Initializer("w2", TestTensors.Uniform(random, [32, 32, 3, 3]))], Attrs(("strides", AttributeValue.Of(2L, 2L))));
        b.Output(b.Op("Flatten", [c2]));
        var graph = b.Build();
        if (pattern == "1of4")
        {
            // The writer's N:M groups are 4 consecutive elements of a filter row (C, KH, KW flattened); keep one per group.
            return graph with { Initializers = graph.Initializers.SetItem("w1", OneOfFour(graph.Initializers["w1"])).SetItem("w2", OneOfFour(graph.Initializers["w2"])) };
        }

        var options = pattern == "sparse98" ? new PruningOptions { Sparsity = 0.98f } : new PruningOptions { Sparsity = 0.8f, Pattern = SparsityPattern.Parse("block:4x4") };
        return MagnitudePruner.Prune(graph, options).Graph;
    }

    private static Tensor OneOfFour(Tensor t)
    {
        var data = t.ToFloatArray();
        for (int g = 0; g < data.Length / 4; g++)
        {
            int keep = Enumerable.Range(g * 4, 4).MaxBy(i => MathF.Abs(data[i]));
            for (int i = g * 4; i < (g * 4) + 4; i++)
            {
                data[i] = i == keep ? data[i] : 0f;
            }
        }

        return Tensor.FromArray(data, t.Shape.ToArray());
    }

    private static Graph Named(string name, double sparsity, bool int8Friendly) => name switch
    {
        "cnn2d" => Cnn2d(sparsity, int8Friendly),
        "cnn1d" => Cnn1d(sparsity),
        _ => ConvEncodings(name["conv-".Length..]),
    };

    [Theory]
    [InlineData("conv-sparse98", 0.0)]
    [InlineData("conv-1of4", 0.0)]
    [InlineData("conv-block4x4", 0.0)]
    [InlineData("cnn2d", 0.0)]
    [InlineData("cnn2d", 0.6)]
    [InlineData("cnn1d", 0.0)]
    [InlineData("cnn1d", 0.6)]
    [InlineData("cnn1d", 0.95)]
    public void Fp32_kernels_match_the_dotnet_runtime_and_OnnxRuntime(string name, double sparsity)
    {
        var graph = Named(name, sparsity, int8Friendly: false);
        var options = new EpbWriteOptions();
        var export = CExporter.Write(graph, new CExportOptions { Prefix = name.Replace('-', '_'), Epb = options });
        var runtime = EpbModel.Load(EpbWriter.Write(graph, options).Bytes);
        var random = new Random(5);
        var samples = Enumerable.Range(0, 20).Select(_ => TestTensors.Uniform(random, runtime.Inputs[0].Shape).ToFloatArray()).ToArray();
        int outputs = runtime.Outputs[0].ElementCount;
        var c = new HostBuild(export).Run(samples, outputs);
        using var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        using var ort = new InferenceSession(OnnxExporter.ToBytes(new Model { Graph = graph }), sessionOptions);
        var expected = new float[outputs];
        for (int i = 0; i < samples.Length; i++)
        {
            runtime.Run(samples[i], expected);
            Agreement.AssertClose(Tensor.FromArray(expected, outputs), Tensor.FromArray(c[i], outputs), atol: 1e-5f, rtol: 1e-5f, what: $"sample {i} vs the .NET runtime");
            using var result = ort.Run([NamedOnnxValue.CreateFromTensor(graph.Inputs[0].Name, new DenseTensor<float>(samples[i], runtime.Inputs[0].Shape))]);
            Agreement.AssertClose(Tensor.FromArray(result.First().AsEnumerable<float>().ToArray(), outputs), Tensor.FromArray(c[i], outputs), atol: 1e-4f, rtol: 1e-4f, what: $"sample {i} vs ONNX Runtime");
        }
    }

    [Theory]
    [InlineData("conv-sparse98", 0.0)]
    [InlineData("conv-1of4", 0.0)]
    [InlineData("conv-block4x4", 0.0)]
    [InlineData("cnn2d", 0.0)]
    [InlineData("cnn2d", 0.6)]
    [InlineData("cnn1d", 0.6)]
    [InlineData("cnn1d", 0.95)]
    public void Int8_kernels_match_the_dotnet_runtime_bit_for_bit(string name, double sparsity)
    {
        var graph = Named(name, sparsity, int8Friendly: true);
        var random = new Random(6);
        int[] shape = graph.Inputs[0].Type!.Shape!.Select(d => (int)d.Value!.Value).ToArray();
        var calibration = Tensor.FromArray(Enumerable.Range(0, 64 * shape.Aggregate(1, (a, d) => a * d)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), [64, .. shape[1..]]);
        var quantized = Quantizer.Quantize(graph, calibration, new QuantizationOptions());
        var options = new EpbWriteOptions { Quantization = EpbQuantizationBuilder.From(quantized) };
        var export = CExporter.Write(quantized.Graph, new CExportOptions { Prefix = name.Replace('-', '_'), Epb = options });
        Assert.True(export.Report.Int8);
        var runtime = EpbModel.Load(EpbWriter.Write(quantized.Graph, options).Bytes);
        var samples = Enumerable.Range(0, 20).Select(_ => Enumerable.Range(0, runtime.Inputs[0].ElementCount).Select(_ => (sbyte)random.Next(-128, 128)).ToArray()).ToArray();
        int outputs = runtime.Outputs[0].ElementCount;
        var c = new HostBuild(export).Run(samples, outputs);
        var expected = new sbyte[outputs];
        for (int i = 0; i < samples.Length; i++)
        {
            runtime.Run(samples[i], expected);
            Assert.True(expected.SequenceEqual(c[i]), $"sample {i}: .NET runtime [{string.Join(", ", expected)}] vs C [{string.Join(", ", c[i])}]");
        }
    }
}
