using System.Diagnostics;
using System.Text.Json;
using EdgePrune.Core.Trees;
using EdgePrune.Runtime;
using EdgePrune.TestSupport;
using EdgePrune.Training.Trees;

namespace EdgePrune.Cli.Tests.Trees;

/// <summary><c>export --format epb|c</c>, <c>verify</c> and <c>inspect</c> on tree-ensemble models, with ONNX Runtime and gcc as judges.</summary>
public class TreeEpbCommandTests
{
    private static readonly string TestImages = RepositoryPaths.Mnist("test-images-idx3-ubyte.gz");

    private static readonly Lazy<TreeEnsemble> Tree = new(() => CartTrainer.Train(MnistTreeSamples.Train, new CartOptions { MaxDepth = 10 }));

    private static readonly Lazy<TreeEnsemble> Forest = new(() => CartTrainer.TrainForest(MnistTreeSamples.Train, new ForestOptions { TreeCount = 4, Seed = 3, Tree = new CartOptions { MaxDepth = 8 } }));

    [Fact]
    public void Export_verify_and_inspect_accept_a_tree_and_a_forest()
    {
        using var dir = new TempDirectory();
        TreeEnsembleExporter.Save(Tree.Value, dir.File("tree.onnx"));
        TreeEnsembleExporter.Save(Forest.Value, dir.File("forest.onnx"));
        var test = MnistTreeSamples.Test;
        foreach (string name in new[] { "tree", "forest" })
        {
            var export = CliRun.Of("export", dir.File($"{name}.onnx"), "--format", "epb", "-o", dir.File($"{name}.epb"));
            Assert.True(export.ExitCode == 0, export.Stderr);
            Assert.Contains("trees table", export.Stdout);

            // The written file, run by the runtime, labels every held-out digit as ONNX Runtime does.
            var ort = OrtTreeOracle.Run(File.ReadAllBytes(dir.File($"{name}.onnx")), test.Features, test.FeatureCount);
            var model = EpbModel.Load(dir.File($"{name}.epb"));
            var scores = new float[10];
            for (int r = 0; r < test.Rows; r++)
            {
                Assert.Equal(ort.Labels[r], model.Labels[model.Classify(test.Row(r), scores)]);
            }

            var verify = CliRun.Of("verify", dir.File($"{name}.epb"), "--reference", dir.File($"{name}.onnx"), "--inputs", TestImages, "--json");
            Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
            using (var v = JsonDocument.Parse(verify.Stdout))
            {
                Assert.Equal(2000, v.RootElement.GetProperty("label_agreement").GetInt32());
            }

            Assert.Equal(0, CliRun.Of("verify", dir.File($"{name}.epb"), "--reference", dir.File($"{name}.onnx")).ExitCode);
        }

        var inspect = CliRun.Of("inspect", dir.File("forest.onnx"), "--device", "stm32f446re", "--json");
        Assert.True(inspect.ExitCode == 0, inspect.Stderr);
        using (var report = JsonDocument.Parse(inspect.Stdout))
        {
            var root = report.RootElement;
            Assert.Equal(Forest.Value.NodeCount, root.GetProperty("nodes").GetInt32());
            Assert.Equal(Forest.Value.MaxDepth, root.GetProperty("depth").GetInt32());
            Assert.Equal(new FileInfo(dir.File("forest.epb")).Length, root.GetProperty("epb_bytes").GetInt64());
            Assert.Equal(new FileInfo(dir.File("forest.onnx")).Length, root.GetProperty("onnx_bytes").GetInt64());
            Assert.True(root.GetProperty("device").GetProperty("fits").GetBoolean());
        }

        var text = CliRun.Of("inspect", dir.File("tree.onnx"), "--device", "arduino-uno");
        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Contains("verdict: does not fit", text.Stdout);
        Assert.Contains($"nodes {Tree.Value.NodeCount}", text.Stdout);

        var c = CliRun.Of("export", dir.File("forest.onnx"), "--format", "c", "-o", dir.File("c"), "--prefix", "forest");
        Assert.True(c.ExitCode == 0, c.Stderr);
        using var gcc = Process.Start(new ProcessStartInfo("gcc", "-std=c99 -Wall -Wextra -Werror -pedantic -c forest.c -o forest.o") { WorkingDirectory = dir.File("c"), RedirectStandardError = true })!;
        string errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        Assert.True(gcc.ExitCode == 0, errors);
    }

    [Fact]
    public void Verify_is_exit_1_when_the_epb_is_another_tree_model()
    {
        using var dir = new TempDirectory();
        TreeEnsembleExporter.Save(Tree.Value, dir.File("tree.onnx"));
        TreeEnsembleExporter.Save(Forest.Value, dir.File("forest.onnx"));
        Assert.Equal(0, CliRun.Of("export", dir.File("forest.onnx"), "-o", dir.File("forest.epb")).ExitCode);
        var verify = CliRun.Of("verify", dir.File("forest.epb"), "--reference", dir.File("tree.onnx"), "--inputs", TestImages);
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("DISAGREE", verify.Stdout);
    }

    [Fact]
    public void Malformed_tree_models_and_mismatched_files_are_exit_2_with_one_line()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("out-of-range.onnx"), TreeCommandTests.TreeModelWithChild(99));
        File.WriteAllBytes(dir.File("cycle.onnx"), TreeCommandTests.TreeModelWithChild(0));
        File.WriteAllBytes(dir.File("good.onnx"), TreeCommandTests.TreeModelWithChild(2));
        foreach (var (file, expected) in new[] { ("out-of-range.onnx", "no node 99"), ("cycle.onnx", "cycle") })
        {
            foreach (var args in new[]
            {
                new[] { "export", dir.File(file), "--format", "epb", "-o", dir.File("x.epb") },
                ["export", dir.File(file), "--format", "c", "-o", dir.File("c")],
                ["inspect", dir.File(file)],
            })
            {
                var run = CliRun.Of(args);
                Assert.Equal(2, run.ExitCode);
                Assert.Single(run.StderrLines);
                Assert.Contains(file, run.Stderr);
                Assert.Contains(expected, run.Stderr);
            }
        }

        Assert.False(File.Exists(dir.File("x.epb")));
        Assert.Equal(0, CliRun.Of("export", dir.File("good.onnx"), "-o", dir.File("good.epb")).ExitCode);
        var badReference = CliRun.Of("verify", dir.File("good.epb"), "--reference", dir.File("cycle.onnx"));
        Assert.Equal(2, badReference.ExitCode);
        Assert.Contains("cycle", badReference.Stderr);

        var network = CliRun.Of("verify", dir.File("good.epb"), "--reference", RepositoryPaths.SampleModel("lenet-300-100.onnx"));
        Assert.Equal(2, network.ExitCode);
        Assert.Contains("holds a tree ensemble", network.Stderr);

        byte[] epb = File.ReadAllBytes(dir.File("good.epb"));
        File.WriteAllBytes(dir.File("truncated.epb"), epb[..(epb.Length - 16)]);
        var truncated = CliRun.Of("verify", dir.File("truncated.epb"), "--reference", dir.File("good.onnx"));
        Assert.Equal(2, truncated.ExitCode);
        Assert.Contains("not a valid .epb", truncated.Stderr);
    }
}
