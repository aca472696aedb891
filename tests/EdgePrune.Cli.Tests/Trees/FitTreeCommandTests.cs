using System.Text.Json;
using EdgePrune.Core.Trees;
using EdgePrune.TestSupport;

namespace EdgePrune.Cli.Tests.Trees;

/// <summary><c>edgeprune fit</c> given a tree model: ONNX Runtime judges the written model, the report's bytes are the C exporter's.</summary>
public class FitTreeCommandTests
{
    private static readonly string TrainImages = RepositoryPaths.Mnist("train-images-idx3-ubyte.gz");
    private static readonly string TrainLabels = RepositoryPaths.Mnist("train-labels-idx1-ubyte.gz");
    private static readonly string TestImages = RepositoryPaths.Mnist("test-images-idx3-ubyte.gz");
    private static readonly string TestLabels = RepositoryPaths.Mnist("test-labels-idx1-ubyte.gz");

    [Fact]
    public void A_tree_is_pruned_to_fit_the_arduino_uno_and_fits_the_stm32_whole()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, CliRun.Of("tree", "train", "--train", TrainImages, "--labels", TrainLabels, "-o", dir.File("tree.onnx")).ExitCode);

        var stm32 = CliRun.Of("fit", dir.File("tree.onnx"), "--device", "stm32f446re", "--eval", TestImages, "--labels", TestLabels, "-o", dir.File("stm32"));
        Assert.True(stm32.ExitCode == 0, stm32.Stderr);
        Assert.Equal(TreeEnsembleImporter.Load(dir.File("tree.onnx")).NodeCount, TreeEnsembleImporter.Load(dir.File("stm32/model.onnx")).NodeCount);

        var uno = CliRun.Of("fit", dir.File("tree.onnx"), "--device", "arduino-uno", "--eval", TestImages, "--labels", TestLabels,
            "--train", TrainImages, "--train-labels", TrainLabels, "--max-drop", "2", "-o", dir.File("uno"));
        Assert.True(uno.ExitCode == 0, uno.Stderr);
        Assert.Contains("fits arduino-uno", uno.Stdout);
        using var report = JsonDocument.Parse(File.ReadAllText(dir.File("uno/report.json")));
        var chosen = report.RootElement.GetProperty("chosen");
        Assert.Equal("fitted", report.RootElement.GetProperty("status").GetString());
        Assert.True(chosen.GetProperty("table_bytes").GetInt64() <= 23_552);
        Assert.True(chosen.GetProperty("nodes").GetInt32() < TreeEnsembleImporter.Load(dir.File("tree.onnx")).NodeCount);

        // ONNX Runtime on the written model gives the reported accuracy, within the floor of the original's.
        var test = MnistTest();
        double Ort(string model) => OrtTreeOracle.Run(File.ReadAllBytes(model), test.Features, 784).Labels.Where((l, i) => l == test.Labels[i]).Count() / (double)test.Labels.Length;
        double fitted = Ort(dir.File("uno/model.onnx"));
        Assert.Equal(fitted, chosen.GetProperty("accuracy").GetDouble(), 9);
        Assert.True(fitted >= Ort(dir.File("tree.onnx")) - 0.02);
        Assert.True(File.Exists(dir.File("uno/c/model.c")) && File.Exists(dir.File("uno/c/model.h")));
        Assert.Contains("fits arduino-uno", File.ReadAllText(dir.File("uno/report.md")));
    }

    [Fact]
    public void A_forest_that_cannot_fit_the_arduino_uno_at_the_floor_is_exit_3_with_what_would_fit()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, CliRun.Of("tree", "train", "--train", TrainImages, "--labels", TrainLabels, "--forest", "8", "--seed", "4", "-o", dir.File("forest.onnx")).ExitCode);
        var run = CliRun.Of("fit", dir.File("forest.onnx"), "--device", "arduino-uno", "--eval", TestImages, "--labels", TestLabels, "-o", dir.File("out"));
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("below the floor", run.Stdout);
        Assert.Contains(run.StdoutLines, l => l.StartsWith("instead: --min-accuracy", StringComparison.Ordinal));
        Assert.False(File.Exists(dir.File("out/model.onnx")));
        using var report = JsonDocument.Parse(File.ReadAllText(dir.File("out/report.json")));
        Assert.Equal("below floor", report.RootElement.GetProperty("status").GetString());

        // Not even the root of one tree fits 40 bytes: exit 3, nothing written, what would fit on stderr.
        var nothing = CliRun.Of("fit", dir.File("forest.onnx"), "--device", "arduino-uno", "--eval", TestImages, "--labels", TestLabels, "--flash-budget", "40", "-o", dir.File("none"));
        Assert.Equal(3, nothing.ExitCode);
        Assert.Contains("cannot fit arduino-uno", nothing.Stderr);
        Assert.Contains("instead:", nothing.Stderr);
        Assert.False(Directory.Exists(dir.File("none")));

        Assert.Equal(2, CliRun.Of("fit", dir.File("forest.onnx"), "--device", "arduino-uno", "--eval", TestImages, "-o", dir.File("x")).ExitCode);
        Assert.Equal(2, CliRun.Of("fit", dir.File("forest.onnx"), "--device", "arduino-uno", "--eval", TrainLabels, "--labels", TestLabels, "-o", dir.File("x")).ExitCode);
        Assert.Equal(2, CliRun.Of("fit", dir.File("forest.onnx"), "--device", "no-such-board", "--eval", TestImages, "--labels", TestLabels, "-o", dir.File("x")).ExitCode);
    }

    private static (float[] Features, string[] Labels) MnistTest()
    {
        var images = Core.Data.DataFiles.Load(TestImages).ToFloatArray();
        var labels = Core.Data.DataFiles.Load(TestLabels).ToFloatArray().Select(v => ((long)v).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return (images, labels);
    }
}
