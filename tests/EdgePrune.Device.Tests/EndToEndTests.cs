using System.Device.Gpio;
using EdgePrune.Device.Service;
using EdgePrune.Sensors.Actions;
using EdgePrune.Sensors.Inference;
using Xunit.Abstractions;

namespace EdgePrune.Device.Tests;

public class EndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Simulated_pi4_with_the_pruned_int8_model_finds_held_out_gestures_with_precision_and_recall_095_against_the_generator_truth()
    {
        // Seed 9100 is a person the model never saw (training used seeds 1..40); 300 s is five minutes of gestures,
        // replayed on simulated time through the emulated MPU-6050 and its production driver.
        var pi = SimulatedPi.Create("generator:9100:300");
        DeviceRunSummary summary;
        IReadOnlyList<GestureSpan> truth, predicted;
        try
        {
            summary = await pi.RunAsync();
            var trace = pi.Run.Simulation!.Trace;
            truth = GestureScoring.Truth(trace);
            predicted = GestureScoring.Predicted(pi.Records, trace.Times[^1]);
        }
        finally
        {
            await pi.DisposeAsync();
        }

        var (precision, recall, matched) = GestureScoring.Score(truth, predicted);
        output.WriteLine($"precision {precision:P2}, recall {recall:P2}: {matched} matched of {truth.Count} true and {predicted.Count} predicted gestures, {summary.Windows} windows");
        Assert.True(truth.Count >= 100, $"only {truth.Count} gestures in the trace");
        Assert.True(precision >= 0.95 && recall >= 0.95, $"precision {precision:P1}, recall {recall:P1} ({matched} matched of {truth.Count} true and {predicted.Count} predicted gestures)");

        // One JSON line per window, gap and event, each a whole record; no sensor trouble on a clean run.
        var lines = pi.JsonLines();
        Assert.Equal(summary.Windows + summary.Gaps + summary.Events, lines.Length);
        Assert.All(lines, line => Assert.NotNull(OutputRecord.FromJson(line)));
        Assert.Equal(0, summary.Gaps);
        Assert.Equal((30_000 - 50) / 10 + 1, summary.Windows);

        // Each LED went high at each start of its gesture and low at each end, in order, and low at shutdown.
        var wiring = pi.Run.Simulation!.Board.Wiring;
        var driver = pi.Run.Simulation.Board.GpioDriver;
        foreach (var (gesture, pin) in wiring.Outputs.Leds)
        {
            var expected = new List<PinValue> { PinValue.Low };
            expected.AddRange(pi.Records.OfType<GestureRecord>().Where(r => r.Gesture == gesture)
                .Select(r => r.Phase == GesturePhase.Start ? PinValue.High : PinValue.Low));
            if (expected[^1] == PinValue.High)
            {
                expected.Add(PinValue.Low);
            }

            Assert.Equal(expected, driver.HistoryOf(pin).Select(c => c.Value).ToList());
        }

        // The buzzer pulse is timed in real time while simulated time races ahead, so pulses of nearby starts merge:
        // at least one, never more than the starts.
        int starts = pi.Records.OfType<GestureRecord>().Count(r => r.Phase == GesturePhase.Start);
        Assert.InRange(driver.HistoryOf(wiring.Outputs.Buzzer!.Pin).Count(c => c.Value == PinValue.High), 1, starts);
    }

    [Theory]
    [InlineData("gestures-person-101.csv")]
    [InlineData("gestures-person-303.csv")]
    public async Task Replaying_a_committed_trace_file_labels_windows_like_its_ground_truth(string file)
    {
        // The committed traces are people 101 and 303, not among the training seeds 1..40.
        var pi = SimulatedPi.Create(RepositoryPaths.Devices("traces", file));
        try
        {
            await pi.RunAsync();
        }
        finally
        {
            await pi.DisposeAsync();
        }

        var windows = pi.Records.OfType<WindowRecord>().ToList();
        Assert.Equal((3000 - 50) / 10 + 1, windows.Count);
        Assert.All(windows, w => Assert.NotNull(w.Truth));
        double accuracy = windows.Count(w => w.Predicted == w.Truth) / (double)windows.Count;
        output.WriteLine($"{file}: {accuracy:P2} of {windows.Count} windows match the trace's majority label");
        Assert.True(accuracy >= 0.9, $"{accuracy:P2}");
    }
}
