using System.Device.Gpio;
using EdgePrune.Sensors.Actions;
using EdgePrune.Sensors.Inference;
using EdgePrune.Sensors.Sampling;
using EdgePrune.Sensors.Windows;
using EdgePrune.Sensors.Wiring;
using EdgePrune.Simulation.Boards;
using EdgePrune.Simulation.Gestures;
using EdgePrune.Simulation.Signals;
using EdgePrune.Simulation.Time;
using EdgePrune.TestSupport.Logging;

namespace EdgePrune.Sensors.Tests.Simulation;

public class SimulatedPiTests
{
    /// <summary>
    /// A hand-written stand-in for the model (the .epb runtime is not part of this project yet): "shake" when the
    /// x acceleration swings by more than 0.25 g (standard deviation) over the window, else "idle".
    /// </summary>
    private sealed class ShakeDetector : IWindowClassifier
    {
        public IReadOnlyList<string> Classes { get; } = ["idle", "shake"];

        public int WindowLength => 50;

        public int ChannelCount => 6;

        public void Classify(ReadOnlySpan<float> window, Span<float> scores)
        {
            double sum = 0, squares = 0;
            for (int t = 0; t < WindowLength; t++)
            {
                double x = window[t * ChannelCount];
                sum += x;
                squares += x * x;
            }

            double mean = sum / WindowLength;
            double std = Math.Sqrt(Math.Max(0, squares / WindowLength - mean * mean));
            float shake = std > 0.25 ? 0.95f : 0.05f;
            scores[0] = 1 - shake;
            scores[1] = shake;
        }
    }

    private sealed class CollectingSink : IOutputSink
    {
        public List<OutputRecord> Records { get; } = [];

        public void Write(OutputRecord record) => Records.Add(record);
    }

    [Fact]
    public async Task Simulated_pi4_runs_the_production_driver_over_a_generated_trace_survives_a_disconnect_and_its_leds_match_the_events()
    {
        var wiring = WiringConfig.Load(RepositoryPaths.Devices("wiring", "pi4-gesture.json"));
        var trace = GestureTraceGenerator.Generate(new GestureTraceOptions(Seed: 77, DurationSeconds: 60));
        var clock = new VirtualTimeProvider();
        using var board = new SimulatedBoard(wiring, sensor => sensor.Chip switch
        {
            "mpu6050" => new TraceSignal(trace, GestureTraceGenerator.Channels),
            "bme280" => FunctionSignal.Constant(21.5, 1009.0, 40.0),
            _ => FunctionSignal.Constant(1.2, 0, 0, 0),
        }, clock);
        var imu = wiring.GestureSensorWiring;
        var faults = board.FaultsOf(imu.Name);
        // Pull the IMU off the bus for 2 s of simulated time, 20 s into the run (checked at each bus access, so deterministic).
        using var source = new ScheduledOutage(board.SensorFactory.Create(imu), clock, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(22), faults);
        var sampler = new FixedRateSampler(source, new SamplerOptions(wiring.SampleRateHz), clock, new TestLogger());
        var leds = wiring.Outputs.Leds;
        var collected = new CollectingSink();
        var lines = new MemoryStream();
        using var json = new JsonLinesSink(lines);
        using (var gpio = new GpioActionSink(board.Gpio, new GpioActionOptions(leds, wiring.Outputs.Buzzer!.Pin, TimeSpan.FromMilliseconds(wiring.Outputs.Buzzer.PulseMs)), TimeProvider.System))
        {
            var pipeline = new SensingPipeline(
                new SlidingWindower(50, 25, ChannelNormalization.Identity(6)),
                new ShakeDetector(),
                new PredictionSmoother(["idle", "shake"], new SmoothingOptions(SmoothingKind.Majority, 0.6f, "idle")),
                new OutputFanOut([collected, json, gpio]));

            // The trace lasts 60 s; the sampler runs until the simulated clock passes it.
            var summary = await pipeline.RunAsync(sampler.RunAsync(source.EndOfRun));

            // Every window, gap and event is exactly one line, each a whole JSON object.
            var jsonLines = System.Text.Encoding.UTF8.GetString(lines.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(summary.Windows + summary.Gaps + summary.Events, jsonLines.Length);
            Assert.Equal(collected.Records.Count, jsonLines.Length);
            Assert.All(jsonLines, line => Assert.NotNull(OutputRecord.FromJson(line)));
            var gap = Assert.Single(collected.Records.OfType<GapRecord>());
            Assert.Equal(GapReason.SensorFault, gap.Reason);
            // Back-off 50 ms doubling: re-open attempts 0.05, 0.15, 0.35, 0.75, 1.55, 3.15 s after the failure at 20 s; the
            // first one after the chip returns (22 s) is at 23.15 s, so about 315 slots at 100 Hz are in the gap.
            Assert.InRange(gap.Missed, 312, 318);
            Assert.Equal(1, sampler.Statistics.Recoveries);

            // The stand-in detector (not a model: circles swing x too) does fire during the trace's shakes.
            var starts = collected.Records.OfType<GestureRecord>().Where(r => r.Phase == GesturePhase.Start).ToList();
            Assert.NotEmpty(starts);
            Assert.Contains(starts, start => Enumerable.Range(-100, 101).Any(
                offset => trace.IndexAt(start.TimeS + offset / 100.0) is int i && i >= 0 && trace.Labels![i] == "shake"));
        }

        // The shake LED went high once per start and low once per end, in order, then low at shutdown.
        var ledHistory = board.GpioDriver.HistoryOf(leds["shake"]).Select(c => c.Value).ToList();
        var expected = new List<PinValue> { PinValue.Low };
        foreach (var record in collected.Records)
        {
            if (record is GestureRecord { Gesture: "shake" } gesture)
            {
                expected.Add(gesture.Phase == GesturePhase.Start ? PinValue.High : PinValue.Low);
            }
        }

        if (expected[^1] == PinValue.High)
        {
            expected.Add(PinValue.Low);
        }

        Assert.Equal(expected, ledHistory);
        Assert.True(board.GpioDriver.HistoryOf(wiring.Outputs.Buzzer!.Pin).Count(c => c.Value == PinValue.High) >= 1);
    }

    private sealed class ScheduledOutage(EdgePrune.Sensors.Sources.ISensorSource inner, VirtualTimeProvider clock, TimeSpan from, TimeSpan until,
        EdgePrune.Simulation.Faults.FaultInjector faults) : EdgePrune.Sensors.Sources.ISensorSource
    {
        private readonly CancellationTokenSource _end = new();
        private int _stage;

        public CancellationToken EndOfRun => _end.Token;

        public string Name => inner.Name;

        public IReadOnlyList<EdgePrune.Sensors.Sources.SensorChannel> Channels => inner.Channels;

        public void Open()
        {
            Step();
            inner.Open();
        }

        public void Read(Span<float> destination)
        {
            if (clock.Elapsed >= TimeSpan.FromSeconds(60))
            {
                _end.Cancel();
            }

            Step();
            inner.Read(destination);
        }

        public void Dispose()
        {
            inner.Dispose();
            _end.Dispose();
        }

        private void Step()
        {
            if (_stage == 0 && clock.Elapsed >= from)
            {
                _stage = 1;
                faults.Disconnect();
            }
            else if (_stage == 1 && clock.Elapsed >= until)
            {
                _stage = 2;
                faults.Reconnect();
            }
        }
    }
}
