using System.Device.Gpio;
using EdgePrune.Sensors.Actions;
using EdgePrune.Sensors.Inference;
using EdgePrune.Sensors.Sampling;
using EdgePrune.Simulation.Gpio;
using EdgePrune.Simulation.Time;

namespace EdgePrune.Sensors.Tests.Sensors;

public class ActionTests
{
    [Fact]
    public void Json_lines_from_eight_threads_are_all_whole_and_parse_back()
    {
        string path = Path.Combine(Path.GetTempPath(), $"edgeprune-lines-{Guid.NewGuid():N}.jsonl");
        try
        {
            using (var sink = JsonLinesSink.AppendToFile(path))
            {
                Parallel.For(0, 8, thread =>
                {
                    for (int i = 0; i < 250; i++)
                    {
                        sink.Write(new GapRecord(i, thread * 1000 + i, 3, GapReason.SensorFault, new string('x', 200) + " Error 121 \"quoted\""));
                    }
                });
            }

            string[] lines = File.ReadAllLines(path);
            Assert.Equal(2000, lines.Length);
            var slots = lines.Select(line => ((GapRecord)OutputRecord.FromJson(line)!).FirstSlot).Order().ToList();
            Assert.Equal(Enumerable.Range(0, 8).SelectMany(t => Enumerable.Range(0, 250).Select(i => (long)(t * 1000 + i))).Order(), slots);
            Assert.True(lines[0].StartsWith("{\"type\":\"gap\",", StringComparison.Ordinal), lines[0]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Gpio_pins_follow_the_gestures_and_the_buzzer_pulses_once_per_start()
    {
        var clock = new VirtualTimeProvider();
        var driver = new VirtualGpioDriver(clock);
        using var controller = new GpioController(driver);
        var options = new GpioActionOptions(new Dictionary<string, int> { ["shake"] = 5, ["tap"] = 6 }, 26, TimeSpan.FromMilliseconds(80));
        using (var sink = new GpioActionSink(controller, options, clock))
        {
            sink.Write(new GestureRecord(1.0, 10, "shake", GesturePhase.Start, 0.9f));
            await WaitUntil(() => driver.HistoryOf(26).Count == 3);
            clock.Advance(TimeSpan.FromSeconds(1));
            sink.Write(new GestureRecord(2.0, 20, "shake", GesturePhase.End, 0.9f));
            sink.Write(new GestureRecord(2.0, 20, "tap", GesturePhase.Start, 0.9f));
            sink.Write(new GapRecord(2.5, 250, 10, GapReason.SensorFault, "NACK"));
            await WaitUntil(() => driver.HistoryOf(26).Count == 5);
        }

        Assert.Equal([PinValue.Low, PinValue.High, PinValue.Low], driver.HistoryOf(5).Select(c => c.Value));
        Assert.Equal([PinValue.Low, PinValue.High, PinValue.Low], driver.HistoryOf(6).Select(c => c.Value));
        var buzzer = driver.HistoryOf(26);
        Assert.Equal([PinValue.Low, PinValue.High, PinValue.Low, PinValue.High, PinValue.Low], buzzer.Select(c => c.Value));
        // The pulse timer ran on the simulated clock: the buzzer went low 80 ms after it went high.
        Assert.Equal(TimeSpan.FromMilliseconds(80), buzzer[2].Time - buzzer[1].Time);
        Assert.False(driver.IsOpen(5));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        Assert.True(condition());
    }
}
