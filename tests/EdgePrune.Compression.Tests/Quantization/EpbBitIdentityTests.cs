using EdgePrune.Compression.Pruning;
using EdgePrune.Compression.Quantization;
using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Export.Epb;
using EdgePrune.Runtime;
using EdgePrune.TestSupport;

namespace EdgePrune.Compression.Tests.Quantization;

/// <summary>
/// The host predicts what the device outputs: the committed LeNets quantized to int8, written as <c>.epb</c> and run
/// by the .NET device runtime, give the integer executor's int8 codes exactly, on real held-out digits; so do random
/// Conv → Relu → MaxPool graphs, whose pools the runtime takes into the convolution (pooling int32 accumulators before
/// requantizing them), and the gesture CNN dense and 90 % sparse.
/// </summary>
public sealed class EpbBitIdentityTests
{
    [Theory]
    [InlineData("lenet-300-100.onnx", 0f)]
    [InlineData("lenet5.onnx", 0f)]
    [InlineData("lenet5.onnx", 0.9f)]
    public void Runtime_int8_outputs_equal_the_integer_executor_bit_for_bit(string modelFile, float sparsity)
    {
        var graph = OnnxImporter.Load(RepositoryPaths.SampleModel(modelFile)).Graph;
        if (sparsity > 0)
        {
            graph = MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = sparsity }).Graph;
        }

        var calibration = CalibrationData.ForInput(graph, DataFiles.Load(RepositoryPaths.Mnist("train-images-idx3-ubyte.gz")), "train-images");
        var quantized = Quantizer.Quantize(graph, CalibrationData.Slice(calibration, 0, 200), new QuantizationOptions());
        var executor = new IntegerExecutor(quantized);
        var export = EpbWriter.Write(quantized.Graph, new EpbWriteOptions { Quantization = EpbQuantizationBuilder.From(quantized) });
        // Every weight went to the device as int8 (none fell back to fp32), biases as int32.
        Assert.All(export.Report.Weights, w => Assert.Contains(w.DataType, new[] { "int8", "int32" }));
        var device = EpbModel.Load(export.Bytes);
        string output = quantized.Graph.Outputs[0].Name;

        var test = CalibrationData.ForInput(graph, DataFiles.Load(RepositoryPaths.Mnist("test-images-idx3-ubyte.gz")), "test-images");
        var deviceOutput = new sbyte[10];
        int samples = 300;
        for (int i = 0; i < samples; i++)
        {
            var input = executor.QuantizeInput(CalibrationData.Sample(test, i));
            var predicted = executor.RunQuantized(input)[output].Span<sbyte>().ToArray();

            device.Run(input.Span<sbyte>(), deviceOutput);

            Assert.True(predicted.SequenceEqual(deviceOutput), $"digit {i}: executor [{string.Join(", ", predicted)}] vs runtime [{string.Join(", ", deviceOutput)}]");
        }
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.9f)]
    public void Runtime_int8_gesture_cnn_equals_the_integer_executor_bit_for_bit(float sparsity)
    {
        // The 1-D CNN the Pi service runs (conv, pool, conv, a float global average between Dequantize and Quantize, fc),
        // calibrated and fed with seeded uniform windows: bit identity does not depend on where the inputs come from.
        var graph = OnnxImporter.Load(RepositoryPaths.SampleModel("gesture.onnx")).Graph;
        if (sparsity > 0)
        {
            graph = MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = sparsity }).Graph;
        }

        var shape = CalibrationData.SampleShape(CalibrationData.SingleInput(graph));
        var random = new Random(17);
        var quantized = Quantizer.Quantize(graph, TestTensors.Uniform(random, [64, .. shape], 0f, 1f), new QuantizationOptions());
        var executor = new IntegerExecutor(quantized);
        var device = EpbModel.Load(EpbWriter.Write(quantized.Graph, new EpbWriteOptions { Quantization = EpbQuantizationBuilder.From(quantized) }).Bytes);
        var deviceOutput = new sbyte[device.Outputs[0].ElementCount];
        for (int i = 0; i < 100; i++)
        {
            var input = executor.QuantizeInput(TestTensors.Uniform(random, [1, .. shape], 0f, 1f));
            var expected = executor.RunQuantized(input)[quantized.Graph.Outputs[0].Name].Span<sbyte>().ToArray();
            device.Run(input.Span<sbyte>(), deviceOutput);
            Assert.True(expected.SequenceEqual(deviceOutput), $"window {i}: executor [{string.Join(", ", expected)}] vs runtime [{string.Join(", ", deviceOutput)}]");
        }
    }

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 12)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Runtime_int8_conv_relu_max_pool_equals_the_integer_executor_bit_for_bit(int seed)
    {
        var random = new Random(seed);
        int c = random.Next(1, 4), m = random.Next(2, 9), h = random.Next(5, 15), w = random.Next(5, 30);
        int kh = random.Next(1, 4), kw = random.Next(1, 4), pad = random.Next(Math.Min(kh, kw));
        int convH = h + (2 * pad) - kh + 1, convW = w + (2 * pad) - kw + 1;
        bool pairs = random.Next(2) == 0;
        long ph = pairs ? 2 : random.Next(1, 4), pw = pairs ? 2 : random.Next(1, 4), sh = pairs ? 2 : random.Next(1, 3), sw = pairs ? 2 : random.Next(1, 3);
        var weights = TestTensors.Uniform(random, [m, c, kh, kw]).ToFloatArray().Select(v => random.Next(3) == 0 ? v : 0f).ToArray();

        var b = new GraphBuilder(opset: 13, name: "convpool8");
        string x = b.Input("x", DataType.Float, 1, c, h, w);
        string conv = b.Op("Conv", [x, b.Initializer("w", Tensor.FromArray(weights, [m, c, kh, kw])), b.Initializer("b", TestTensors.Uniform(random, [m]))],
            new Dictionary<string, AttributeValue> { ["pads"] = AttributeValue.Of(pad, pad, pad, pad) });
        string pool = b.Op("MaxPool", [b.Op("Relu", [conv])],
            new Dictionary<string, AttributeValue> { ["kernel_shape"] = AttributeValue.Of(ph, pw), ["strides"] = AttributeValue.Of(sh, sw) });
        b.Output(pool);
        var graph = b.Build();
        Assert.True(convH >= ph && convW >= pw, "the pool fits the convolution's output");

        var calibration = Tensor.FromArray(TestTensors.Uniform(random, [32, c, h, w], 0f, 1f).ToFloatArray(), [32, c, h, w]);
        var quantized = Quantizer.Quantize(graph, calibration, new QuantizationOptions());
        var executor = new IntegerExecutor(quantized);
        var device = EpbModel.Load(EpbWriter.Write(quantized.Graph, new EpbWriteOptions { Quantization = EpbQuantizationBuilder.From(quantized) }).Bytes);
        var deviceOutput = new sbyte[device.Outputs[0].ElementCount];
        for (int i = 0; i < 20; i++)
        {
            var input = executor.QuantizeInput(TestTensors.Uniform(random, [1, c, h, w], 0f, 1f));
            var expected = executor.RunQuantized(input)[quantized.Graph.Outputs[0].Name].Span<sbyte>().ToArray();
            device.Run(input.Span<sbyte>(), deviceOutput);
            Assert.True(expected.SequenceEqual(deviceOutput), $"input {i}: executor [{string.Join(", ", expected)}] vs runtime [{string.Join(", ", deviceOutput)}]");
        }
    }
}
