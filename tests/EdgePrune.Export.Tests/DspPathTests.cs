using EdgePrune.Compression.Quantization;
using EdgePrune.Core.Ir;
using EdgePrune.Export.C;
using EdgePrune.Export.Epb;
using EdgePrune.Runtime;

namespace EdgePrune.Export.Tests;

/// <summary>
/// The DSP loop of the dense int8 FullyConnected (dual 16-bit MACs, taken where __ARM_FEATURE_DSP is defined), built
/// twice: for the host with EP_EMULATE_DSP (SXTB16 and SMLAD in portable C with the instructions' semantics), and for
/// the Cortex-M4 with the real instructions, run under qemu-arm user emulation. Both give the .NET runtime's codes bit
/// for bit, on the LeNet and on layer widths that leave 1 to 3 tail elements after the 4-wide loop.
/// </summary>
public sealed class DspPathTests
{
    [Theory]
    [InlineData("int8-dense", "Dense")]
    [InlineData("int8-block4x4", "BlockSparse")]
    [InlineData("int8-block1x8g90", "BlockSparse")]
    [InlineData("int8-block1x8g90-speed", "BlockSparse")]
    public void Dsp_builds_of_int8_lenet_match_the_dotnet_runtime_bit_for_bit(string variant, string encoding)
    {
        var (graph, options) = LeNetVariants.Build("lenet-300-100.onnx", variant);
        var codes = LeNetVariants.Digits(LeNetVariants.Source("lenet-300-100.onnx"));
        AssertBitIdentical(graph, options, codes, encoding);
    }

    [Fact]
    public void Dsp_builds_match_the_dotnet_runtime_on_widths_with_tails()
    {
        var random = new Random(7);
        int[] widths = [13, 7, 5, 3, 6];
        var builder = new GraphBuilder(13, "tails");
        string x = builder.Input("x", DataType.Float, 1, widths[0]);
        for (int layer = 0; layer + 1 < widths.Length; layer++)
        {
            var w = Enumerable.Range(0, widths[layer] * widths[layer + 1]).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var b = Enumerable.Range(0, widths[layer + 1]).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            x = builder.Op("Gemm", [x, builder.Initializer($"w{layer}", Tensor.FromArray(w, widths[layer], widths[layer + 1])), builder.Initializer($"b{layer}", Tensor.FromArray(b, widths[layer + 1]))]);
            if (layer + 2 < widths.Length)
            {
                x = builder.Op("Relu", [x]);
            }
        }

        builder.Output(x);
        var graph = builder.Build();
        var samples = Enumerable.Range(0, 200).Select(_ => Enumerable.Range(0, widths[0]).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray()).ToArray();
        var calibration = Tensor.FromArray(samples.SelectMany(s => s).ToArray(), samples.Length, widths[0]);
        var quantized = Quantizer.Quantize(graph, calibration, new QuantizationOptions());
        AssertBitIdentical(quantized.Graph, new EpbWriteOptions { Quantization = EpbQuantizationBuilder.From(quantized), AllowSparse = false }, samples);
    }

    [Fact]
    public void Bitmask_walk_on_the_cortex_m4_matches_the_dotnet_runtime_on_rows_that_are_not_word_aligned()
    {
        // cols 45, 20 and 7: rows that start and end inside mask words, and rows (20, 7) shorter than a word.
        var random = new Random(11);
        int[] widths = [45, 20, 7, 9];
        var builder = new GraphBuilder(13, "bitmask");
        string x = builder.Input("x", DataType.Float, 1, widths[0]);
        for (int layer = 0; layer + 1 < widths.Length; layer++)
        {
            var w = Enumerable.Range(0, widths[layer] * widths[layer + 1]).Select(_ => random.NextDouble() < 0.5 ? 0f : (float)(random.NextDouble() * 2 - 1)).ToArray();
            var b = Enumerable.Range(0, widths[layer + 1]).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            x = builder.Op("Gemm", [x, builder.Initializer($"w{layer}", Tensor.FromArray(w, widths[layer], widths[layer + 1])), builder.Initializer($"b{layer}", Tensor.FromArray(b, widths[layer + 1]))]);
            if (layer + 2 < widths.Length)
            {
                x = builder.Op("Relu", [x]);
            }
        }

        builder.Output(x);
        var graph = builder.Build();
        var samples = Enumerable.Range(0, 200).Select(_ => Enumerable.Range(0, widths[0]).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray()).ToArray();
        var calibration = Tensor.FromArray(samples.SelectMany(s => s).ToArray(), samples.Length, widths[0]);
        var quantized = Quantizer.Quantize(graph, calibration, new QuantizationOptions());
        AssertBitIdentical(quantized.Graph, new EpbWriteOptions { Quantization = EpbQuantizationBuilder.From(quantized) }, samples, "Bitmask");
    }

    private static void AssertBitIdentical(Graph graph, EpbWriteOptions options, float[][] samples, string encoding = "Dense")
    {
        var export = CExporter.Write(graph, new CExportOptions { Prefix = "dsp", Epb = options });
        Assert.Contains(export.Report.Layers, l => l.Encoding == encoding);
        var runtime = EpbModel.Load(EpbWriter.Write(graph, options).Bytes);
        var input = runtime.Inputs[0];
        var codes = samples.Select(s => s.Select(v => Runtime.Kernels.Quantization.QuantizeOne(v, input.Scale, input.ZeroPoint)).ToArray()).ToArray();
        int outputs = runtime.Outputs[0].ElementCount;
        var emulated = new HostBuild(export, "gcc", "-DEP_EMULATE_DSP").Run(codes, outputs);
        var m4 = new QemuUserBuild(export);
        Assert.Contains(encoding == "Bitmask" ? "rbit" : "smlad", m4.Disassembly, StringComparison.Ordinal);
        var silicon = m4.Run(codes, outputs);
        var expected = new sbyte[outputs];
        for (int i = 0; i < codes.Length; i++)
        {
            runtime.Run(codes[i], expected);
            Assert.True(expected.SequenceEqual(emulated[i]), $"sample {i}: .NET runtime [{string.Join(", ", expected)}] vs host build with the emulated DSP loop [{string.Join(", ", emulated[i])}]");
            Assert.True(expected.SequenceEqual(silicon[i]), $"sample {i}: .NET runtime [{string.Join(", ", expected)}] vs Cortex-M4 build under qemu-arm [{string.Join(", ", silicon[i])}]");
        }
    }
}
