using System.Diagnostics;
using System.Text.Json;
using EdgePrune.Core.Trees;
using EdgePrune.TestSupport;
using Google.Protobuf;

namespace EdgePrune.Cli.Tests.Trees;

public class TreeCommandTests
{
    private static readonly string TrainImages = RepositoryPaths.Mnist("train-images-idx3-ubyte.gz");
    private static readonly string TrainLabels = RepositoryPaths.Mnist("train-labels-idx1-ubyte.gz");
    private static readonly string TestImages = RepositoryPaths.Mnist("test-images-idx3-ubyte.gz");
    private static readonly string TestLabels = RepositoryPaths.Mnist("test-labels-idx1-ubyte.gz");

    [Fact]
    public void Train_prune_and_export_a_tree_end_to_end_with_OnnxRuntime_and_gcc_as_judges()
    {
        using var dir = new TempDirectory();
        var train = CliRun.Of("tree", "train", "--train", TrainImages, "--labels", TrainLabels, "--max-depth", "12", "-o", dir.File("tree.onnx"), "--json");
        Assert.True(train.ExitCode == 0, train.Stderr);
        using var trained = JsonDocument.Parse(train.Stdout);
        Assert.True(trained.RootElement.GetProperty("depth").GetInt32() <= 12);

        var prune = CliRun.Of("tree", "prune", dir.File("tree.onnx"), "--eval", TestImages, "--labels", TestLabels, "--method", "ccp", "--cv", "3", "--one-se", "-o", dir.File("pruned.onnx"), "--json");
        Assert.True(prune.ExitCode == 0, prune.Stderr);
        using var pruned = JsonDocument.Parse(prune.Stdout);
        int before = pruned.RootElement.GetProperty("before").GetProperty("nodes").GetInt32();
        int after = pruned.RootElement.GetProperty("after").GetProperty("nodes").GetInt32();
        Assert.True(after < before);
        Assert.True(pruned.RootElement.GetProperty("alpha_path").GetArrayLength() > 2);

        // The reported accuracy is what ONNX Runtime gets from the written file.
        var test = MnistTest();
        var ort = OrtTreeOracle.Run(File.ReadAllBytes(dir.File("pruned.onnx")), test.Features, 784);
        double ortAccuracy = ort.Labels.Where((l, i) => l == test.Labels[i]).Count() / (double)test.Labels.Length;
        Assert.Equal(ortAccuracy, pruned.RootElement.GetProperty("accuracy_after").GetDouble(), 9);

        var text = CliRun.Of("tree", "prune", dir.File("tree.onnx"), "--eval", TestImages, "--labels", TestLabels, "--method", "rep", "-o", dir.File("rep.onnx"));
        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Contains("after:", text.Stdout);

        var export = CliRun.Of("tree", "export", dir.File("pruned.onnx"), "--format", "c", "-o", dir.File("c"), "--device", "stm32f446re", "--features", "uint8");
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Contains("stm32f446re", export.Stdout);
        Assert.Contains("fits", export.Stdout);
        using var gcc = Process.Start(new ProcessStartInfo("gcc", "-std=c99 -Wall -Wextra -Werror -pedantic -c tree_model.c -o tree_model.o") { WorkingDirectory = dir.File("c"), RedirectStandardError = true })!;
        string errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        Assert.True(gcc.ExitCode == 0, errors);
    }

    [Fact]
    public void Prune_with_the_training_set_chooses_alpha_on_it_and_reports_held_out_accuracy_as_OnnxRuntime_measures_it()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, CliRun.Of("tree", "train", "--train", TrainImages, "--labels", TrainLabels, "--max-depth", "10", "-o", dir.File("tree.onnx")).ExitCode);
        var prune = CliRun.Of("tree", "prune", dir.File("tree.onnx"), "--train", TrainImages, "--train-labels", TrainLabels, "--max-depth", "10",
            "--eval", TestImages, "--labels", TestLabels, "--cv", "3", "--repeats", "2", "--seed", "1", "--one-se", "-o", dir.File("pruned.onnx"), "--json");
        Assert.True(prune.ExitCode == 0, prune.Stderr);
        using var pruned = JsonDocument.Parse(prune.Stdout);
        Assert.True(pruned.RootElement.GetProperty("after").GetProperty("nodes").GetInt32() < pruned.RootElement.GetProperty("before").GetProperty("nodes").GetInt32());

        var test = MnistTest();
        double Ort(string model) => OrtTreeOracle.Run(File.ReadAllBytes(model), test.Features, 784).Labels.Where((l, i) => l == test.Labels[i]).Count() / (double)test.Labels.Length;
        Assert.Equal(Ort(dir.File("tree.onnx")), pruned.RootElement.GetProperty("accuracy_before").GetDouble(), 9);
        Assert.Equal(Ort(dir.File("pruned.onnx")), pruned.RootElement.GetProperty("accuracy_after").GetDouble(), 9);

        var rep = CliRun.Of("tree", "prune", dir.File("tree.onnx"), "--train", TrainImages, "--train-labels", TrainLabels, "--eval", TestImages, "--labels", TestLabels, "--method", "rep", "-o", dir.File("x.onnx"));
        Assert.Equal(2, rep.ExitCode);
        Assert.Contains("--method ccp", rep.Stderr);
        Assert.Equal(2, CliRun.Of("tree", "prune", dir.File("tree.onnx"), "--train", TrainImages, "--eval", TestImages, "--labels", TestLabels, "-o", dir.File("x.onnx")).ExitCode);
        Assert.Equal(2, CliRun.Of("tree", "prune", dir.File("tree.onnx"), "--eval", TestImages, "--labels", TestLabels, "--repeats", "0", "-o", dir.File("x.onnx")).ExitCode);
    }

    [Fact]
    public void A_seeded_forest_is_the_same_file_when_trained_in_two_separate_processes()
    {
        // Per-process randomness (string hashes, HashCode) cannot show up within one process, so the CLI runs twice.
        using var dir = new TempDirectory();
        string cli = Path.Combine(AppContext.BaseDirectory, "edgeprune.dll");
        foreach (string name in new[] { "a.onnx", "b.onnx" })
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string argument in new[] { cli, "tree", "train", "--train", TrainImages, "--labels", TrainLabels, "--forest", "3", "--max-depth", "6", "--seed", "5", "-o", dir.File(name) })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            string stderr = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(120_000), "tree train did not finish within 2 minutes");
            Assert.True(process.ExitCode == 0, stderr);
        }

        Assert.Equal(File.ReadAllBytes(dir.File("a.onnx")), File.ReadAllBytes(dir.File("b.onnx")));
    }

    [Fact]
    public void Forest_training_and_tree_dropping_report_sizes()
    {
        using var dir = new TempDirectory();
        var train = CliRun.Of("tree", "train", "--train", TrainImages, "--labels", TrainLabels, "--forest", "4", "--max-depth", "8", "--seed", "2", "-o", dir.File("forest.onnx"));
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Contains("a forest of 4 trees", train.Stdout);
        var ensemble = TreeEnsembleImporter.Load(dir.File("forest.onnx"));
        Assert.Equal(4, ensemble.Trees.Length);

        var ccp = CliRun.Of("tree", "prune", dir.File("forest.onnx"), "--eval", TestImages, "--labels", TestLabels, "-o", dir.File("x.onnx"));
        Assert.Equal(2, ccp.ExitCode);
        Assert.Contains("--method drop", ccp.Stderr);
        var drop = CliRun.Of("tree", "prune", dir.File("forest.onnx"), "--eval", TestImages, "--labels", TestLabels, "--method", "drop", "-o", dir.File("dropped.onnx"));
        Assert.True(drop.ExitCode == 0, drop.Stderr);
    }

    [Fact]
    public void Malformed_tree_models_are_exit_2_with_a_message_naming_the_attribute()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("bad.onnx"), TreeModelWithChild(99));
        var run = CliRun.Of("tree", "export", dir.File("bad.onnx"), "--format", "c", "-o", dir.File("c"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("nodes_truenodeids", run.Stderr);
        Assert.Contains("no node 99", run.Stderr);

        File.WriteAllBytes(dir.File("cycle.onnx"), TreeModelWithChild(0));
        var cycle = CliRun.Of("tree", "export", dir.File("cycle.onnx"), "--format", "c", "-o", dir.File("c"));
        Assert.Equal(2, cycle.ExitCode);
        Assert.Contains("cycle", cycle.Stderr);

        File.WriteAllBytes(dir.File("truncated.onnx"), TreeModelWithChild(1)[..20]);
        Assert.Equal(2, CliRun.Of("tree", "export", dir.File("truncated.onnx"), "-o", dir.File("c")).ExitCode);
        Assert.Equal(2, CliRun.Of("tree", "prune", dir.File("missing.onnx"), "--eval", TestImages, "--labels", TestLabels, "-o", dir.File("x.onnx")).ExitCode);
    }

    /// <summary>
    /// A TreeEnsembleClassifier written with raw protobuf (field numbers from onnx.proto), so it can be wrong in ways
    /// EdgePrune's own types refuse to build: node 0 branches to node <paramref name="trueChild"/> and node 1.
    /// </summary>
    internal static byte[] TreeModelWithChild(long trueChild)
    {
        byte[] Message(Action<CodedOutputStream> write)
        {
            using var ms = new MemoryStream();
            var o = new CodedOutputStream(ms);
            write(o);
            o.Flush();
            return ms.ToArray();
        }

        byte[] Ints(string name, params long[] values) => Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(name);
            foreach (long v in values) { o.WriteTag(8, WireFormat.WireType.Varint); o.WriteInt64(v); }
            o.WriteTag(20, WireFormat.WireType.Varint); o.WriteInt32(7);
        });
        byte[] Floats(string name, params float[] values) => Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(name);
            foreach (float v in values) { o.WriteTag(7, WireFormat.WireType.Fixed32); o.WriteFloat(v); }
            o.WriteTag(20, WireFormat.WireType.Varint); o.WriteInt32(6);
        });
        byte[] Strings(string name, params string[] values) => Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(name);
            foreach (string v in values) { o.WriteTag(9, WireFormat.WireType.LengthDelimited); o.WriteString(v); }
            o.WriteTag(20, WireFormat.WireType.Varint); o.WriteInt32(8);
        });
        byte[][] attributes =
        [
            Ints("nodes_treeids", 0, 0, 0), Ints("nodes_nodeids", 0, 1, 2), Ints("nodes_featureids", 0, 0, 0),
            Floats("nodes_values", 0.5f, 0, 0), Strings("nodes_modes", "BRANCH_LEQ", "LEAF", "LEAF"),
            Ints("nodes_truenodeids", trueChild, 0, 0), Ints("nodes_falsenodeids", 1, 0, 0),
            Ints("class_treeids", 0, 0, 0), Ints("class_nodeids", 1, 2, 2), Ints("class_ids", 0, 1, 2), Floats("class_weights", 1, 0.5f, 0.5f),
            Ints("classlabels_int64s", 0, 1, 2),
        ];
        byte[] node = Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString("X");
            o.WriteTag(2, WireFormat.WireType.LengthDelimited); o.WriteString("label");
            o.WriteTag(2, WireFormat.WireType.LengthDelimited); o.WriteString("probabilities");
            o.WriteTag(4, WireFormat.WireType.LengthDelimited); o.WriteString("TreeEnsembleClassifier");
            foreach (var a in attributes) { o.WriteTag(5, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(a)); }
            o.WriteTag(7, WireFormat.WireType.LengthDelimited); o.WriteString("ai.onnx.ml");
        });
        byte[] input = Message(o => { o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString("X"); });
        byte[] graph = Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(node));
            o.WriteTag(2, WireFormat.WireType.LengthDelimited); o.WriteString("bad");
            o.WriteTag(11, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(input));
        });
        byte[] opset = Message(o => { o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString("ai.onnx.ml"); o.WriteTag(2, WireFormat.WireType.Varint); o.WriteInt64(3); });
        return Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Varint); o.WriteInt64(8);
            o.WriteTag(7, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(graph));
            o.WriteTag(8, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(opset));
        });
    }

    private static (float[] Features, string[] Labels) MnistTest()
    {
        var images = Core.Data.DataFiles.Load(TestImages).ToFloatArray();
        var labels = Core.Data.DataFiles.Load(TestLabels).ToFloatArray().Select(v => ((long)v).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return (images, labels);
    }
}
