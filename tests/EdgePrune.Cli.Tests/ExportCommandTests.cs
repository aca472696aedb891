using System.Text.Json;
using EdgePrune.Core.Ir;
using EdgePrune.Runtime;
using EdgePrune.TestSupport;

namespace EdgePrune.Cli.Tests;

public class ExportCommandTests
{
    /// <summary>x[N, 64] → Gemm(w1 [64, 32], 90 % zeros) → Relu → Gemm(w2 [32, 10], dense) → y.</summary>
    internal static Graph SparseMlp()
    {
        var random = new Random(8);
        var b = new GraphBuilder(name: "sparse_mlp");
        string x = b.Input("x", DataType.Float, Dim.Named("N"), 64);
        var w1 = TestTensors.Uniform(random, [64, 32]).ToFloatArray().Select((v, i) => i % 10 == 0 ? v : 0f).ToArray();
        string h = b.Op("Relu", [b.Op("Gemm", [x, b.Initializer("w1", Tensor.FromArray(w1, 64, 32)), b.Initializer("b1", TestTensors.Uniform(random, [32]))])]);
        b.Output(b.Op("Gemm", [h, b.Initializer("w2", TestTensors.Uniform(random, [32, 10])), b.Initializer("b2", TestTensors.Uniform(random, [10]))]));
        return b.Build();
    }

    [Fact]
    public void Export_writes_a_loadable_epb_and_reports_the_encoding_of_each_weight()
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(SparseMlp(), dir.File("m.onnx"));
        var run = CliRun.Of("export", model, "--format", "epb", "-o", dir.File("m.epb"));
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("weights", run.Stdout);
        Assert.Contains(run.StdoutLines, l => l.StartsWith("Gemm_0", StringComparison.Ordinal) && !l.Contains("Dense", StringComparison.Ordinal));
        Assert.Contains(run.StdoutLines, l => l.Contains("w2", StringComparison.Ordinal) && l.Contains("Dense", StringComparison.Ordinal));
        Assert.Equal([1, 10], EpbModel.Load(dir.File("m.epb")).Outputs[0].Shape);
    }

    [Fact]
    public void Export_json_lists_sections_and_weights_whose_bytes_add_up()
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(SparseMlp(), dir.File("m.onnx"));
        var run = CliRun.Of("export", model, "-o", dir.File("m.epb"), "--json");
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        long total = doc.RootElement.GetProperty("total_bytes").GetInt64();
        Assert.Equal(new FileInfo(dir.File("m.epb")).Length, total);
        var sections = doc.RootElement.GetProperty("sections").EnumerateArray().ToList();
        Assert.Equal(["tensors", "graph", "weights", "arena", "metadata"], sections.Select(s => s.GetProperty("section").GetString()));
        long weights = sections.Single(s => s.GetProperty("section").GetString() == "weights").GetProperty("bytes").GetInt64();
        long encoded = doc.RootElement.GetProperty("weights").EnumerateArray().Sum(w => w.GetProperty("bytes").GetInt64());
        Assert.True(encoded <= weights && weights < encoded + (16 * 12), $"weight tensors take {encoded} bytes, the section {weights}");
    }

    [Fact]
    public void Export_to_an_unavailable_format_is_one_line_and_exit_2()
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(SparseMlp(), dir.File("m.onnx"));
        var run = CliRun.Of("export", model, "--format", "tflite", "-o", dir.File("m.tflite"));
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.StderrLines);
        Assert.Contains("--format tflite", run.Stderr);
        Assert.False(File.Exists(dir.File("m.tflite")));
    }

    [Fact]
    public void Bench_times_the_exported_model_against_OnnxRuntime_and_reports_zero_allocation()
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(SparseMlp(), dir.File("m.onnx"));
        var run = CliRun.Of("bench", model, "--runs", "50");
        Assert.Equal(0, run.ExitCode);
        var epb = Assert.Single(run.StdoutLines, l => l.StartsWith("EdgePrune .epb", StringComparison.Ordinal));
        Assert.EndsWith(" 0", epb);
        Assert.Contains(run.StdoutLines, l => l.StartsWith("ONNX Runtime", StringComparison.Ordinal));
        Assert.Contains(run.StdoutLines, l => l.StartsWith("ratio (p50", StringComparison.Ordinal));
    }
}
