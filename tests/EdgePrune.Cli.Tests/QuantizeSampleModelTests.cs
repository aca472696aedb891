using System.Text.Json;
using EdgePrune.TestSupport;

namespace EdgePrune.Cli.Tests;

/// <summary>
/// The committed LeNets quantized from the real training digits, judged by ONNX Runtime on the QDQ file against
/// the 2,000 held-out labels (issue 5's floors: int8 within 0.3 pt of fp32, int4 weights within 1 pt).
/// </summary>
public sealed class QuantizeSampleModelTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("lenet-300-100.onnx", "8", 0.3)]
    [InlineData("lenet5.onnx", "8", 0.3)]
    [InlineData("lenet-300-100.onnx", "4", 1.0)]
    [InlineData("lenet5.onnx", "4", 1.0)]
    public void Sample_model_quantized_loses_at_most_the_floor_on_held_out_digits_in_OnnxRuntime(string model, string bits, double maxLossPoints)
    {
        var run = CliRun.Of(
            "quantize", RepositoryPaths.SampleModel(model), "-o", _dir.File("q.onnx"), "--bits", bits,
            "--calib", RepositoryPaths.Mnist("train-images-idx3-ubyte.gz"), "--calib-samples", "300",
            "--eval", RepositoryPaths.Mnist("test-images-idx3-ubyte.gz"), "--labels", RepositoryPaths.Mnist("test-labels-idx1-ubyte.gz"), "--json");

        Assert.True(run.ExitCode == 0, run.Stderr);
        using var doc = JsonDocument.Parse(run.Stdout);
        var evaluation = doc.RootElement.GetProperty("evaluation");
        Assert.Equal(2000, evaluation.GetProperty("samples").GetInt32());
        Assert.InRange(evaluation.GetProperty("loss_points").GetDouble(), double.NegativeInfinity, maxLossPoints);
        if (bits == "8")
        {
            // The host's integer executor predicts what the device will output: same class as ORT on every digit.
            // (With int4 weights, TFLite's two-step rounding and ORT's one-step rounding can differ by 2 LSB and
            // flip a near tie; docs/quantization.md explains it.)
            Assert.Equal(2000, evaluation.GetProperty("argmax_agreements").GetInt32());
            Assert.InRange(evaluation.GetProperty("max_lsb_difference").GetInt32(), 0, 1);
        }
    }

    [Fact]
    public void Int8_epb_written_by_quantize_runs_in_the_device_runtime_and_agrees_with_the_fp32_model_in_OnnxRuntime()
    {
        string epb = _dir.File("lenet5.epb");
        var quantize = CliRun.Of(
            "quantize", RepositoryPaths.SampleModel("lenet5.onnx"), "-o", _dir.File("q.onnx"), "--epb", epb,
            "--calib", RepositoryPaths.Mnist("train-images-idx3-ubyte.gz"), "--calib-samples", "200");
        Assert.True(quantize.ExitCode == 0, quantize.Stderr);

        var verify = CliRun.Of("verify", epb, "--reference", RepositoryPaths.SampleModel("lenet5.onnx"), "--inputs", RepositoryPaths.Mnist("test-images-idx3-ubyte.gz"));

        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Contains(verify.StdoutLines, l => l.StartsWith("/", StringComparison.Ordinal) && l.Contains("(int8) vs ONNX Runtime", StringComparison.Ordinal));
    }

    [Fact]
    public void Epb_from_int4_weights_is_exit_2_saying_the_device_path_takes_8_bit_weights()
    {
        string epb = _dir.File("lenet5.epb");

        var run = CliRun.Of(
            "quantize", RepositoryPaths.SampleModel("lenet5.onnx"), "-o", _dir.File("q.onnx"), "--bits", "4", "--epb", epb,
            "--calib", RepositoryPaths.Mnist("train-images-idx3-ubyte.gz"), "--calib-samples", "50");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(run.StderrLines, l => l.Contains("the .epb int8 path takes 8-bit weights", StringComparison.Ordinal) && l.Contains("--bits 8", StringComparison.Ordinal));
        Assert.False(File.Exists(epb));
    }
}
