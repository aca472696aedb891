using System.Globalization;
using EdgePrune.Cli.Commands;
using EdgePrune.Core.Devices;

namespace EdgePrune.Cli.Tests;

public sealed class SampleCommandTests
{
    [Fact]
    public void Sample_takes_the_trained_LeNet_from_not_fitting_to_fitting_flash_and_verifies_its_export()
    {
        var board = DeviceProfiles.Load(SampleCommand.Device);
        // LeNet-300-100: 784·300 + 300 + 300·100 + 100 + 100·10 + 10 = 266,610 float parameters = 1,066,440 bytes.
        // Plus the fp32 runtime kernels its Gemm and Relu nodes call (RuntimeCode's measured table): fully connected
        // 124 with its helper finish 64, relu 44.
        const long fp32Bytes = 1_066_440 + 124 + 64 + 44;
        string excess = (fp32Bytes - board.ModelFlashBudgetBytes).ToString("N0", CultureInfo.InvariantCulture);

        var run = CliRun.Of("sample");

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var lines = run.StdoutLines;
        Assert.Contains(lines, l => l.StartsWith("  flash: 1,066,672 bytes", StringComparison.Ordinal) && l.Contains($"over by {excess} bytes", StringComparison.Ordinal));
        Assert.Contains("all 1 output(s) agree with ONNX Runtime (tolerance: |diff| <= 1e-4 * max(1, output range))", lines);
        Assert.Contains(lines, l => l.StartsWith("integer executor vs ONNX Runtime: argmax agrees on 2000/2000", StringComparison.Ordinal));
        // int8 weights are a quarter of the float bytes plus scales: well inside the nRF52840's flash budget.
        Assert.Contains(lines, l => l.StartsWith("  flash:", StringComparison.Ordinal) && l.Contains(": fits,", StringComparison.Ordinal));
        Assert.Equal(["  verdict: does not fit", "  verdict: fits"], lines.Where(l => l.StartsWith("  verdict:", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("argmax agreement   2000/2000", StringComparison.Ordinal));
    }

    [Fact]
    public void Sample_without_its_sample_files_is_exit_2_saying_where_it_looked_and_what_to_set()
    {
        using var empty = new TempDirectory();
        string? saved = Environment.GetEnvironmentVariable("EDGEPRUNE_SAMPLES");
        Environment.SetEnvironmentVariable("EDGEPRUNE_SAMPLES", empty.Path);
        try
        {
            var run = CliRun.Of("sample");

            Assert.Equal(2, run.ExitCode);
            var line = Assert.Single(run.StderrLines);
            Assert.Contains(Path.Combine(empty.Path, "models", "lenet-300-100.onnx") + " not found", line, StringComparison.Ordinal);
            Assert.Contains("EDGEPRUNE_SAMPLES", line, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("EDGEPRUNE_SAMPLES", saved);
        }
    }
}
