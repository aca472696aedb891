using EdgePrune.Compression.Tests.Trees;
using EdgePrune.Compression.Trees;
using EdgePrune.Core.Trees;
using EdgePrune.Export.Firmware;
using EdgePrune.TestSupport;
using EdgePrune.TestSupport.Firmware;
using EdgePrune.Training.Trees;
using Xunit.Abstractions;

namespace EdgePrune.Compression.Tests.Firmware;

/// <summary>
/// The tree C export (TreeCExporter) cross-compiled for the Cortex-M4 and run in qemu mps2-an386 on held-out digits:
/// predictions compared with ONNX Runtime on the ONNX-ML export of the same model.
/// </summary>
public sealed class TreeFirmwareTests : IClassFixture<TreeFirmwareTests.Firmwares>
{
    private const int HeldOut = 100;

    private readonly Firmwares _firmwares;
    private readonly ITestOutputHelper _output;

    public TreeFirmwareTests(Firmwares firmwares, ITestOutputHelper output)
    {
        _firmwares = firmwares;
        _output = output;
    }

    /// <summary>A cost-complexity pruned tree and a 16-tree forest, each built into the tree example once.</summary>
    public sealed class Firmwares : IDisposable
    {
        public Firmwares()
        {
            // Grow on 6,000 digits, choose α on the other 2,000 training digits (one-standard-error rule).
            var grow = MnistTreeSamples.Train.Subset([.. Enumerable.Range(0, 6000)]);
            var validation = MnistTreeSamples.Train.Subset([.. Enumerable.Range(6000, 2000)]);
            var full = CartTrainer.Train(grow, new CartOptions());
            var stats = NodeStatistics.Collect(full.Trees[0], grow, full.TargetCount);
            var choice = CostComplexityPruner.ChooseByValidation(full, stats, validation, oneStandardError: true);
            PrunedTree = full with { Trees = [CostComplexityPruner.Apply(stats, choice.ChosenStep)] };
            FullNodes = full.NodeCount;
            PrunedTreeImage = Build(PrunedTree, "mnist_tree");
            ForestImage = Build(MnistTrees.Forest, "mnist_forest");
        }

        public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("edgeprune-tree-fw-").FullName;

        public TreeEnsemble PrunedTree { get; }

        public int FullNodes { get; }

        public FirmwareImage PrunedTreeImage { get; }

        public FirmwareImage ForestImage { get; }

        public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

        private FirmwareImage Build(TreeEnsemble model, string name)
        {
            var source = TreeCExporter.Generate(model, new CTreeOptions { Name = name, Layout = CTreeLayout.NodeArrays });
            string modelDirectory = Path.Combine(Directory, name, "model");
            System.IO.Directory.CreateDirectory(modelDirectory);
            File.WriteAllText(Path.Combine(modelDirectory, source.HeaderFile), source.Header);
            File.WriteAllText(Path.Combine(modelDirectory, source.SourceFile), source.Source);
            return QemuMps2An386.Build("tree", Path.Combine(Directory, name, "build"), modelDirectory, prefix: name, modelHeader: source.HeaderFile);
        }
    }

    private FirmwareRun RunOnHeldOutDigits(FirmwareImage image, string name)
    {
        var test = MnistTreeSamples.Test;
        string directory = Path.Combine(_firmwares.Directory, name, "run");
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "inputs.bin"), [.. test.Features.Take(HeldOut * test.FeatureCount).SelectMany(BitConverter.GetBytes)]);
        File.WriteAllBytes(Path.Combine(directory, "labels.bin"), [.. test.Classes!.Take(HeldOut).Select(c => (byte)c)]);
        var run = QemuMps2An386.Run(image.Elf, directory, TimeSpan.FromSeconds(30));
        Assert.Equal(0, run.ExitCode);
        return run;
    }

    private void AssertSameAsOnnxRuntime(TreeEnsemble model, string name, FirmwareImage image, FirmwareRun run, string what)
    {
        var test = MnistTreeSamples.Test;
        var ort = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(model), test.Features[..(HeldOut * test.FeatureCount)], test.FeatureCount);
        string[] qemu = [.. run.Predictions().Select(model.LabelText)];
        Assert.Equal(ort.Labels, qemu);
        long[] instructions = run.Values("instructions_per_inference");

        // The model's flash is its object's code and tables in the linked image. The tables are the export's count to within
        // a few bytes: gcc folds one-entry tables (a single tree's tree_start) into code, and --gc-sections drops the
        // labels array, which the firmware does not read.
        var source = TreeCExporter.Generate(model, new CTreeOptions { Layout = CTreeLayout.NodeArrays });
        var modelObject = Assert.Single(MapFile.Load(image.Map).ByObject(), o => o.Object.EndsWith($"/model/{name}.o", StringComparison.Ordinal));
        _output.WriteLine($"{what}: {model.Trees.Length} trees, {model.NodeCount} nodes; {run.Value("correct")}/{HeldOut} correct; " +
            $"instructions per prediction mean {instructions[0]} min {instructions[1]} max {instructions[2]}; stack {run.Value("stack_bytes")} bytes; " +
            $"flash {modelObject.Flash} bytes (code {modelObject.Code}, tables {modelObject.ReadOnlyData}), RAM {modelObject.Ram} bytes");
        Assert.True(Math.Abs(modelObject.ReadOnlyData - source.TableBytes) <= 64, $"tables {source.TableBytes} bytes, {modelObject.ReadOnlyData} bytes of read-only data linked; {string.Join("; ", source.TableSizes)}");
        Assert.Equal(0, modelObject.Ram);
        Assert.Equal(ort.Labels.Where((label, i) => label == test.ClassLabels[test.Classes![i]].ToString(System.Globalization.CultureInfo.InvariantCulture)).Count(), run.Value("correct"));
        Assert.InRange(instructions[1], 1, instructions[2]);
    }

    [Fact]
    public void Pruned_mnist_tree_in_qemu_predicts_like_OnnxRuntime_on_100_held_out_digits()
    {
        var run = RunOnHeldOutDigits(_firmwares.PrunedTreeImage, "mnist_tree");
        _output.WriteLine($"cost-complexity pruning: {_firmwares.FullNodes} → {_firmwares.PrunedTree.NodeCount} nodes");
        AssertSameAsOnnxRuntime(_firmwares.PrunedTree, "mnist_tree", _firmwares.PrunedTreeImage, run, "pruned tree");
    }

    [Fact]
    public void Mnist_forest_in_qemu_predicts_like_OnnxRuntime_on_100_held_out_digits()
    {
        var run = RunOnHeldOutDigits(_firmwares.ForestImage, "mnist_forest");
        AssertSameAsOnnxRuntime(MnistTrees.Forest, "mnist_forest", _firmwares.ForestImage, run, "16-tree forest");
    }
}
