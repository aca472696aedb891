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
/// by the .NET device runtime, give the integer executor's int8 codes exactly, on real held-out digits.
/// </summary>
public sealed class EpbBitIdentityTests
{
    [Theory]
    [InlineData("lenet-300-100.onnx")]
    [InlineData("lenet5.onnx")]
    public void Runtime_int8_outputs_equal_the_integer_executor_bit_for_bit(string modelFile)
    {
        var graph = OnnxImporter.Load(RepositoryPaths.SampleModel(modelFile)).Graph;
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
}
