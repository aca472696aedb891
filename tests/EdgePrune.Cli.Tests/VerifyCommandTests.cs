using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;

namespace EdgePrune.Cli.Tests;

public class VerifyCommandTests
{
    [Fact]
    public void Verify_agrees_with_OnnxRuntime_on_generated_input_and_exits_0()
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(ExportCommandTests.SparseMlp(), dir.File("m.onnx"));
        Assert.Equal(0, CliRun.Of("export", model, "-o", dir.File("m.epb")).ExitCode);
        var run = CliRun.Of("verify", dir.File("m.epb"), "--reference", model);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("argmax agreement   1/1", run.Stdout);
        Assert.Contains("verdict            agree", run.Stdout);
    }

    [Fact]
    public void Verify_against_a_different_model_disagrees_with_exit_1()
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(ExportCommandTests.SparseMlp(), dir.File("m.onnx"));
        Assert.Equal(0, CliRun.Of("export", model, "-o", dir.File("m.epb")).ExitCode);
        var other = ExportCommandTests.SparseMlp();
        other = other with { Initializers = other.Initializers.SetItem("b2", TestTensors.Uniform(new Random(99), [10])) };
        string otherPath = TestModels.Save(other, dir.File("other.onnx"));
        var run = CliRun.Of("verify", dir.File("m.epb"), "--reference", otherPath, "--json");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("\"agrees\": false", run.Stdout);
    }

    [Fact]
    public void Verify_reads_many_samples_from_a_data_file()
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(ExportCommandTests.SparseMlp(), dir.File("m.onnx"));
        Assert.Equal(0, CliRun.Of("export", model, "-o", dir.File("m.epb")).ExitCode);
        var rows = Enumerable.Range(0, 5).Select(r => string.Join(",", TestTensors.Uniform(new Random(r), [64]).ToFloatArray().Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))));
        File.WriteAllLines(dir.File("x.csv"), rows);
        var run = CliRun.Of("verify", dir.File("m.epb"), "--reference", model, "--inputs", dir.File("x.csv"));
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("5 sample(s)", run.Stdout);
    }

    [Fact]
    public void Verify_on_a_corrupted_file_is_one_line_without_stack_trace_and_exit_2()
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(ExportCommandTests.SparseMlp(), dir.File("m.onnx"));
        Assert.Equal(0, CliRun.Of("export", model, "-o", dir.File("m.epb")).ExitCode);
        var bytes = File.ReadAllBytes(dir.File("m.epb"));
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(dir.File("bad.epb"), bytes);
        var run = CliRun.Of("verify", dir.File("bad.epb"), "--reference", model);
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.StderrLines);
        Assert.Contains("CRC-32", run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr);
    }
}
