using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;
using EdgePrune.Export.C;
using EdgePrune.Export.Epb;
using EdgePrune.Runtime;
using EdgePrune.Runtime.Format;
using EdgePrune.Runtime.Kernels;
using EdgePrune.TestSupport;
using Tensor = EdgePrune.Core.Ir.Tensor;

namespace EdgePrune.Export.Tests;

/// <summary>
/// The C export, compiled with the host gcc (-std=c99 -Wall -Wextra -Werror -pedantic), against the .NET runtime
/// running the .epb of the same model (int8: bit for bit; fp32: within 1e-5) and ONNX Runtime running the ONNX graph
/// (fp32), on 200 held-out MNIST digits.
/// </summary>
public sealed class HostGccAgreementTests(ITestOutputHelper log)
{
    public static TheoryData<string, string> Variants() => new()
    {
        { "lenet-300-100.onnx", "fp32-dense" },
        { "lenet-300-100.onnx", "fp32-sparse90" },
        { "lenet-300-100.onnx", "int8-dense" },
        { "lenet-300-100.onnx", "int8-sparse90" },
        { "lenet-300-100.onnx", "int4-dense" },
        { "lenet-300-100.onnx", "fp32-sparse98" },
        { "lenet-300-100.onnx", "fp32-block4x4" },
        { "lenet-300-100.onnx", "int8-sparse98" },
        { "lenet-300-100.onnx", "int8-1of4" },
        { "lenet-300-100.onnx", "int8-block4x4" },
        { "lenet5.onnx", "fp32-dense" },
        { "lenet5.onnx", "fp32-sparse90" },
        { "lenet5.onnx", "int8-dense" },
        { "lenet5.onnx", "int8-sparse90" },
        { "lenet5.onnx", "int4-dense" },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Host_gcc_build_matches_the_dotnet_runtime_and_OnnxRuntime(string modelFile, string variant)
    {
        var (graph, options) = LeNetVariants.Build(modelFile, variant);
        var export = CExporter.Write(graph, new CExportOptions { Prefix = "lenet", Epb = options });
        var runtime = EpbModel.Load(EpbWriter.Write(graph, options).Bytes);
        var digits = LeNetVariants.Digits(LeNetVariants.Source(modelFile));
        var host = new HostBuild(export);
        int outputs = runtime.Outputs[0].ElementCount;
        log.WriteLine($"{modelFile} {variant}: flash {export.Report.ConstantBytes} B (weights {export.Report.WeightBytes} B: {string.Join(", ", export.Report.Layers.Select(l => $"{l.Tensor} {l.Encoding} {l.WeightBytes}"))}), arena {export.Report.ArenaBytes} B");

        if (variant.StartsWith("fp32", StringComparison.Ordinal))
        {
            Assert.False(export.Report.Int8);
            var c = host.Run(digits, outputs);
            var expected = new float[outputs];
            float maxDotnet = 0, maxOrt = 0;
            using var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
            using var ort = new InferenceSession(OnnxExporter.ToBytes(new Model { Graph = graph }), sessionOptions);
            for (int i = 0; i < digits.Length; i++)
            {
                runtime.Run(digits[i], expected);
                Agreement.AssertClose(Tensor.FromArray(expected, outputs), Tensor.FromArray(c[i], outputs), atol: 1e-5f, rtol: 1e-5f, what: $"digit {i} vs the .NET runtime");
                var feed = NamedOnnxValue.CreateFromTensor(graph.Inputs[0].Name, new DenseTensor<float>(digits[i], runtime.Inputs[0].Shape));
                using var result = ort.Run([feed]);
                var oracle = result.First().AsEnumerable<float>().ToArray();
                Agreement.AssertClose(Tensor.FromArray(oracle, outputs), Tensor.FromArray(c[i], outputs), atol: 1e-4f, rtol: 1e-4f, what: $"digit {i} vs ONNX Runtime");
                maxDotnet = Math.Max(maxDotnet, expected.Zip(c[i], (e, a) => MathF.Abs(e - a)).Max());
                maxOrt = Math.Max(maxOrt, oracle.Zip(c[i], (e, a) => MathF.Abs(e - a)).Max());
            }

            log.WriteLine($"{modelFile} {variant}: {digits.Length} digits, max |C - .NET runtime| {maxDotnet:G3}, max |C - ONNX Runtime| {maxOrt:G3}");

            return;
        }

        Assert.True(export.Report.Int8);
        var input = runtime.Inputs[0];
        Assert.Equal(EpbDataType.Int8, input.DataType);
        var codes = digits.Select(d => d.Select(v => Quantization.QuantizeOne(v, input.Scale, input.ZeroPoint)).ToArray()).ToArray();
        var cOutputs = host.Run(codes, outputs);
        var dotnet = new sbyte[outputs];
        for (int i = 0; i < codes.Length; i++)
        {
            runtime.Run(codes[i], dotnet);
            Assert.True(dotnet.SequenceEqual(cOutputs[i]), $"digit {i}: .NET runtime [{string.Join(", ", dotnet)}] vs C [{string.Join(", ", cOutputs[i])}]");
        }

        log.WriteLine($"{modelFile} {variant}: {codes.Length}/{codes.Length} digits bit-identical to the .NET runtime");
    }
}
