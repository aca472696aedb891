using System.Text.Json;
using EdgePrune.Cli.Checking;
using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;

namespace EdgePrune.Cli.Tests;

public sealed class CheckCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Good_model_agrees_with_OnnxRuntime_and_exits_0()
    {
        string model = TestModels.Save(TestModels.TwoGemms(), _dir.File("two.onnx"));

        var run = CliRun.Of("check", model, "--seed", "7");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stderr);
        Assert.Contains("inputs (seed 7, float uniform in [-1, 1], symbolic dims as 1): x float[1, 8]", run.StdoutLines);
        Assert.Contains(run.StdoutLines, l => l.StartsWith("Gemm_2_out0", StringComparison.Ordinal) && l.EndsWith("ok", StringComparison.Ordinal));
    }

    [Fact]
    public void Inputs_from_an_npy_batch_are_reshaped_per_sample_and_checked()
    {
        string model = TestModels.Save(TestModels.TwoGemms(), _dir.File("two.onnx"));
        // Three samples of 2×4 values each: the input takes 8 values per sample, so each is flattened to [8].
        var data = TestTensors.Uniform(new Random(3), [3, 2, 4]);
        string inputs = _dir.File("batch.npy");
        Npy.Write(inputs, data);

        var run = CliRun.Of("check", model, "--inputs", inputs, "--json");

        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        Assert.Equal(inputs, root.GetProperty("inputs_file").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("seed").ValueKind);
        Assert.Equal([3, 8], root.GetProperty("inputs")[0].GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal([3, 4], root.GetProperty("outputs")[0].GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
    }

    [Fact]
    public void Inputs_whose_samples_do_not_fit_the_model_input_are_exit_2_naming_both_shapes()
    {
        string model = TestModels.Save(TestModels.TwoGemms(), _dir.File("two.onnx"));
        string inputs = _dir.File("wrong.npy");
        Npy.Write(inputs, TestTensors.Uniform(new Random(3), [3, 5]));

        var run = CliRun.Of("check", model, "--inputs", inputs);

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.Contains("wrong.npy", line, StringComparison.Ordinal);
        Assert.Contains("[3, 5]", line, StringComparison.Ordinal);
        Assert.Contains("'x' float[N, 8]", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_reports_each_output_with_its_tolerance()
    {
        string model = TestModels.Save(TestModels.TwoGemms(), _dir.File("two.onnx"));

        var run = CliRun.Of("check", model, "--json");

        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("agrees").GetBoolean());
        Assert.Equal(0, root.GetProperty("seed").GetInt32());
        var output = root.GetProperty("outputs")[0];
        Assert.Equal("Gemm_2_out0", output.GetProperty("name").GetString());
        Assert.Equal([1, 4], output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.InRange(output.GetProperty("max_abs_diff").GetDouble(), 0, output.GetProperty("tolerance").GetDouble());
        Assert.True(output.GetProperty("tolerance").GetDouble() >= 1e-4);
    }

    [Fact]
    public void Comparison_uses_the_hand_computed_measures_and_tolerance()
    {
        // range of the second operand is 10 - (-2) = 12, so the tolerance is 1e-4 · 12.
        var reference = Tensor.FromArray(new[] { 1f, 10f, -2f, 0f }, 4);
        var onnxRuntime = Tensor.FromArray(new[] { 1.001f, 10f, -2f, 0f }, 4);

        var agreement = ModelChecker.Compare("y", reference, onnxRuntime);

        Assert.Equal(12, agreement.OutputRange, 5);
        Assert.Equal(1.2e-3, agreement.Tolerance, 8);
        Assert.Equal(1e-3, agreement.MaxAbsDiff, 6);
        Assert.Equal(1e-3 / 1.001, agreement.MaxRelDiff, 6);
        Assert.True(agreement.Agrees);
        Assert.False(ModelChecker.Compare("y", reference, Tensor.FromArray(new[] { 1.01f, 10f, -2f, 0f }, 4)).Agrees);
        Assert.False(ModelChecker.Compare("y", reference, Tensor.FromArray(new[] { float.NaN, 10f, -2f, 0f }, 4)).Agrees);
        Assert.False(ModelChecker.Compare("y", reference, Tensor.FromArray(new[] { 1f, 10f, -2f, 0f }, 2, 2)).Agrees);
    }
}
