using EdgePrune.Core.Data;
using EdgePrune.Export.C;
using EdgePrune.Export.Epb;
using EdgePrune.Export.Firmware;
using EdgePrune.Runtime;
using EdgePrune.Runtime.Format;
using EdgePrune.TestSupport;
using EdgePrune.TestSupport.Firmware;
using Xunit.Abstractions;

namespace EdgePrune.Export.Tests;

/// <summary>
/// The C export of int8 LeNet-300-100 (dense and 90 % sparse) in the classify firmware on the emulated Cortex-M4
/// (qemu mps2-an386, -icount shift=6): its predictions on 100 held-out digits against the .NET runtime running the
/// .epb of the same model (itself bit-identical to the host-gcc build, <see cref="HostGccAgreementTests"/>), and
/// the exact instruction counts of the two.
/// </summary>
public sealed class QemuLeNetTests(ITestOutputHelper log)
{
    private const int Digits = 100;

    // 784·300 + 300·100 + 100·10 multiply-accumulates per inference.
    private const long DenseMacs = 266_200;

    [Fact]
    public void Int8_LeNet_300_100_in_qemu_predicts_like_the_dotnet_runtime_within_the_instruction_budgets()
    {
        var dense = RunInQemu("int8-dense");
        var sparse = RunInQemu("int8-sparse90");

        long denseInstructions = dense.Run.Values("instructions_per_inference")[0];
        long sparseInstructions = sparse.Run.Values("instructions_per_inference")[0];
        log.WriteLine($"dense int8: {denseInstructions} instructions per inference, {(double)denseInstructions / DenseMacs:F2} per MAC");
        log.WriteLine($"90 % sparse int8: {sparseInstructions} instructions per inference, {(double)sparseInstructions / denseInstructions:F3} of dense");
        // Issue 7: the dense DSP path at most 2 instructions per MAC (measured 1.67). The 90 % sparse bitmask walk
        // costs 7 instructions per stored weight plus 6 per mask word, so at 10 % density it cannot go below about
        // 0.55 of a 1.67-per-MAC dense layer: the bound is 0.7 (measured 0.663), not the issue's 0.3 (docs/c-export.md).
        AssertRuntimeFootprint(dense);
        AssertRuntimeFootprint(sparse);
        AssertCostModelEstimate("int8-dense", denseInstructions);
        AssertCostModelEstimate("int8-sparse90", sparseInstructions);
        Assert.True(denseInstructions <= 2.0 * DenseMacs, $"dense int8 took {denseInstructions} instructions, {(double)denseInstructions / DenseMacs:F2} per MAC (bound 2.0)");
        Assert.True(sparseInstructions <= 0.7 * denseInstructions, $"the 90 % sparse model took {sparseInstructions} instructions, {(double)sparseInstructions / denseInstructions:F3} of the dense one's {denseInstructions} (bound 0.7)");
    }

    [Fact]
    public void Ninety_percent_sparse_in_1x8_blocks_exported_for_speed_takes_under_0_3_of_the_dense_instructions_in_qemu()
    {
        // The 25x-smaller model of issue 5 (docs/results.md): whole 1×8 blocks pruned under one global threshold. Stored
        // smallest, fc2 (300 inputs, no multiple of 8, about half its weights kept) is a bitmask whose walk dominates;
        // exported for speed, every layer takes the encoding WeightEncoderCost rates fastest (1×4 blocks here).
        long dense = RunInQemu("int8-dense").Run.Values("instructions_per_inference")[0];
        long smallest = RunInQemu("int8-block1x8g90").Run.Values("instructions_per_inference")[0];
        long fastest = RunInQemu("int8-block1x8g90-speed").Run.Values("instructions_per_inference")[0];
        log.WriteLine($"90 % sparse in 1x8 blocks, int8, smallest encodings: {smallest} instructions per inference, {(double)smallest / dense:F3} of dense ({dense})");
        log.WriteLine($"the same, fastest encodings: {fastest} instructions per inference, {(double)fastest / dense:F3} of dense");

        var weights = Int8Weights("int8-block1x8g90-speed");
        long elements = weights.Sum(w => (long)w.Elements), zeros = weights.Sum(w => (long)(w.Elements - w.Nonzeros));
        log.WriteLine($"weights: {zeros} of {elements} zero ({(double)zeros / elements:P2}); fastest: {Encodings(weights)}; smallest: {Encodings(Int8Weights("int8-block1x8g90"))}");
        AssertCostModelEstimate("int8-block1x8g90", smallest);
        AssertCostModelEstimate("int8-block1x8g90-speed", fastest);
        Assert.Equal(DenseMacs, elements);
        Assert.True(zeros >= 0.9 * elements, $"only {zeros} of {elements} weights are zero");
        Assert.True(smallest <= 0.5 * dense, $"the 1x8-block model, smallest encodings, took {smallest} instructions, {(double)smallest / dense:F3} of the dense one's {dense}");
        Assert.True(fastest <= 0.3 * dense, $"the 1x8-block model, fastest encodings, took {fastest} instructions, {(double)fastest / dense:F3} of the dense one's {dense} (issue 7: 0.3)");
    }

    /// <summary>
    /// The writer's cost model (<see cref="WeightEncoderCost"/>) summed over the layers as written, within 10 % of qemu's
    /// exact count: the speed choice ranks encodings by it. The invoke's input and output copies are not in the model.
    /// </summary>
    private void AssertCostModelEstimate(string variant, long measured)
    {
        var (graph, options) = LeNetVariants.Build("lenet-300-100.onnx", variant);
        var weights = EpbReader.Read(EpbWriter.Write(graph, options).Bytes).Tensors
            .Where(t => t.Weights is { DataType: EpbDataType.Int8 })
            .Select(t => t.Weights!)
            .ToList();
        double estimate = weights.Sum(w => WeightEncoderCost.Instructions(new EncodedWeight(w.Encoding, w.P0, w.P1, w.StoredCount, []), w.Rows, w.Cols));
        log.WriteLine($"{variant}: cost model {estimate:F0} instructions, measured {measured} ({(estimate - measured) / measured:+0.0 %;-0.0 %})");
        Assert.Equal(3, weights.Count);
        Assert.InRange(estimate, 0.9 * measured, 1.1 * measured);
    }

    private static List<WeightSize> Int8Weights(string variant)
    {
        var (graph, options) = LeNetVariants.Build("lenet-300-100.onnx", variant);
        return [.. EpbWriter.Write(graph, options).Report.Weights.Where(w => w.DataType == "int8")];
    }

    private static string Encodings(List<WeightSize> weights) =>
        $"{string.Join(", ", weights.Select(w => $"{w.Layer} {w.Encoding} {w.Bytes} B"))} ({weights.Sum(w => w.Bytes)} B)";

    /// <summary>
    /// Issue 7: the C runtime's own cost for an int8 MLP, from the link map — code and static RAM of the runtime's
    /// objects plus the generated invoke function (the model's constant arrays and the arena excluded) — at most
    /// 6 KB of flash and 512 B of RAM with the firmware's measured stack.
    /// </summary>
    private void AssertRuntimeFootprint((FirmwareRun Run, MapFile Map) image)
    {
        long stack = image.Run.Value("stack_bytes");
        var runtime = image.Map.ByObject().Where(o => o.Object.Contains("/runtime/", StringComparison.Ordinal)).ToList();
        var generated = image.Map.Functions().Where(f => f.Key.StartsWith("lenet_", StringComparison.Ordinal)).Sum(f => f.Value);
        long flash = runtime.Sum(o => o.Flash) + generated;
        long ram = runtime.Sum(o => o.Ram) + stack;
        log.WriteLine($"runtime: {flash} B flash ({string.Join(", ", image.Map.Kernels().OrderByDescending(k => k.Value).Select(k => $"{k.Key} {k.Value}"))}; generated invoke {generated}), {ram} B RAM beyond the arena (stack {stack})");
        Assert.NotEmpty(runtime);
        Assert.True(flash <= 6 * 1024, $"runtime code {flash} B");
        Assert.True(ram <= 512, $"runtime RAM {ram} B");
    }

    private (FirmwareRun Run, MapFile Map) RunInQemu(string variant)
    {
        var (graph, options) = LeNetVariants.Build("lenet-300-100.onnx", variant);
        var export = CExporter.Write(graph, new CExportOptions { Prefix = "lenet", Epb = options });
        var runtime = EpbModel.Load(EpbWriter.Write(graph, options).Bytes);
        var digits = LeNetVariants.Digits(LeNetVariants.Source("lenet-300-100.onnx")).Take(Digits);
        var labels = DataFiles.Load(RepositoryPaths.Mnist("test-labels-idx1-ubyte.gz")).Span<byte>()[..Digits].ToArray();

        string root = CToolchain.NewDirectory($"qemu-{variant}");
        string modelDirectory = Path.Combine(root, "model");
        Directory.CreateDirectory(modelDirectory);
        File.WriteAllText(Path.Combine(modelDirectory, export.HeaderFileName), export.Header);
        File.WriteAllText(Path.Combine(modelDirectory, export.SourceFileName), export.Source);
        var (run, image, expected) = ClassifyFirmware.RunInt8(runtime, modelDirectory, "lenet", digits, labels, root);
        Assert.Equal(expected, run.Predictions());
        int correct = expected.Zip(labels, (p, l) => p == l ? 1 : 0).Sum();
        Assert.Equal(correct, run.Value("correct"));
        log.WriteLine($"{variant}: {correct}/{Digits} correct in qemu and in the .NET runtime; arena {run.Value("arena_bytes")} B, stack {run.Value("stack_bytes")} B");
        return (run, MapFile.Load(image.Map));
    }
}
