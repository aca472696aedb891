using System.Text.Json;
using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;

namespace EdgePrune.Cli.Tests;

/// <summary><c>edgeprune prune</c>: the written file checked against hand-counted patterns and ONNX Runtime accuracy.</summary>
public class PruneCommandTests
{
    [Fact]
    public void Two_of_four_writes_at_most_two_nonzeros_per_group_and_reports_hand_counted_totals()
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(TestModels.TwoGemms(), dir.File("m.onnx"));
        var run = CliRun.Of("prune", model, "-o", dir.File("p.onnx"), "--pattern", "2:4", "--json");
        Assert.Equal(0, run.ExitCode);

        var pruned = OnnxImporter.Load(dir.File("p.onnx")).Graph;
        foreach (var (name, k, n) in new[] { ("w1", 8, 4), ("w2", 4, 4) })
        {
            var w = pruned.Initializers[name].ToFloatArray(); // [K, N]: groups of 4 run down each column
            for (int column = 0; column < n; column++)
            {
                for (int start = 0; start < k; start += 4)
                {
                    Assert.Equal(2, Enumerable.Range(start, 4).Count(row => w[row * n + column] != 0));
                }
            }
        }

        using var json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(48, json.RootElement.GetProperty("parameters").GetInt64()); // 32 + 16
        Assert.Equal(24, json.RootElement.GetProperty("nonzeros").GetInt64());
        Assert.Equal(48 * 4, json.RootElement.GetProperty("bytes_before").GetInt64());
        Assert.Equal((4 + 16 * 4) + (2 + 8 * 4), json.RootElement.GetProperty("bytes_after").GetInt64()); // bitmask + fp32 nonzeros per layer
    }

    [Fact]
    public void Eval_reports_accuracy_before_and_after_as_ONNX_Runtime_measures_the_written_file()
    {
        using var dir = new TempDirectory();
        var run = CliRun.Of("prune", RepositoryPaths.SampleModel("lenet-300-100.onnx"), "-o", dir.File("p.onnx"), "--sparsity", "0.8",
            "--scope", "global", "--eval", RepositoryPaths.Mnist("test-images-idx3-ubyte.gz"), "--labels", RepositoryPaths.Mnist("test-labels-idx1-ubyte.gz"), "--json");
        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Stdout);
        var accuracy = json.RootElement.GetProperty("accuracy");
        Assert.Equal(0.972, accuracy.GetProperty("before").GetDouble(), 4);
        Assert.Equal(OrtAccuracy(dir.File("p.onnx")), accuracy.GetProperty("after").GetDouble(), 6);
        Assert.Equal(0.8, json.RootElement.GetProperty("sparsity").GetDouble(), 3);
    }

    [Theory]
    [InlineData("--sparsity", "1", "[0, 1)")]
    [InlineData("--sparsity", "-0.1", "[0, 1)")]
    [InlineData("--pattern", "3:4", "unknown sparsity pattern '3:4'")]
    [InlineData("--pattern", "block:4", "unknown sparsity pattern 'block:4'")]
    [InlineData("--scope", "net", "unknown --scope 'net'")]
    [InlineData("--pattern", "1:4", "pattern 1:4 always gives sparsity 0.75")]
    [InlineData("--finetune", "0", "--finetune needs at least 1 epoch")]
    public void Bad_requests_exit_2_with_one_line_and_write_nothing(string option, string value, string expected)
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(TestModels.TwoGemms(), dir.File("m.onnx"));
        string[] args = option == "--sparsity" ? ["prune", model, "-o", dir.File("p.onnx"), option, value] : ["prune", model, "-o", dir.File("p.onnx"), "--sparsity", "0.5", option, value];
        var run = CliRun.Of(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, Assert.Single(run.StderrLines));
        Assert.False(File.Exists(dir.File("p.onnx")));
    }

    [Fact]
    public void A_model_with_nothing_prunable_exits_2()
    {
        using var dir = new TempDirectory();
        var b = new GraphBuilder(name: "relu_only");
        b.Output(b.Op("Relu", [b.Input("x", DataType.Float, Dim.Named("N"), 4)]));
        var run = CliRun.Of("prune", TestModels.Save(b.Build(), dir.File("m.onnx")), "-o", dir.File("p.onnx"), "--sparsity", "0.5");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("nothing to prune", Assert.Single(run.StderrLines));
    }

    private static double OrtAccuracy(string path)
    {
        var images = DataFiles.Load(RepositoryPaths.Mnist("test-images-idx3-ubyte.gz")).ToFloatArray().Select(v => v / 255f).ToArray();
        long[] labels = DataFiles.Load(RepositoryPaths.Mnist("test-labels-idx1-ubyte.gz")).ToInt64Array();
        var logits = OrtOracle.Run(File.ReadAllBytes(path), new Dictionary<string, Tensor> { ["input"] = Tensor.FromArray(images, labels.Length, 784) })["logits"].ToFloatArray();
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            correct += System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.AsSpan(i * 10, 10)) == labels[i] ? 1 : 0;
        }

        return (double)correct / labels.Length;
    }
}
