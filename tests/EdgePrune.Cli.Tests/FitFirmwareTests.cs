using System.Text.Json;
using EdgePrune.Core.Data;
using EdgePrune.Runtime;
using EdgePrune.TestSupport;
using EdgePrune.TestSupport.Firmware;

namespace EdgePrune.Cli.Tests;

/// <summary>The C export a fit writes (<c>c/</c>), built into the classify firmware and run on the emulated Cortex-M4.</summary>
public sealed class FitFirmwareTests(FitCliFixture fit) : IClassFixture<FitCliFixture>
{
    [Fact]
    public void Fitted_C_export_in_qemu_scores_the_accuracy_the_fit_predicted_and_predicts_like_the_epb()
    {
        Assert.True(fit.Run.ExitCode == 0, fit.Run.Stdout + fit.Run.Stderr);
        var runtime = EpbModel.Load(Path.Combine(fit.Out, "model.epb"));
        var digits = Npy.Read(fit.Eval).Span<float>().ToArray();
        var labels = Npy.Read(fit.Labels).ToInt64Array().Select(l => (byte)l).ToArray();
        int size = runtime.Inputs[0].ElementCount;
        var samples = Enumerable.Range(0, labels.Length).Select(i => digits.AsSpan(i * size, size).ToArray());

        var (firmware, _, expected) = ClassifyFirmware.RunInt8(runtime, Path.Combine(fit.Out, "c"), "model", samples, labels, fit.File("qemu"));
        Assert.Equal(expected, firmware.Predictions());
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(fit.Out, "report.json")));
        double predicted = json.RootElement.GetProperty("final_score").GetDouble();
        Assert.Equal(predicted, Math.Round((double)firmware.Value("correct") / labels.Length, 6));
    }
}
