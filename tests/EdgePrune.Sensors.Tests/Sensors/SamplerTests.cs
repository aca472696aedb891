using EdgePrune.Sensors.Sampling;
using EdgePrune.Sensors.Sources;
using EdgePrune.Simulation.Chips.Mpu6050;
using EdgePrune.Simulation.Signals;
using EdgePrune.Simulation.Time;
using EdgePrune.TestSupport.Logging;
using Iot.Device.Imu;
using Microsoft.Extensions.Logging;

namespace EdgePrune.Sensors.Tests.Sensors;

public class SamplerTests
{
    /// <summary>Runs the sampler until a frame at or past slot <paramref name="slots"/> - 1 arrives (30 s real-time guard).</summary>
    private static async Task<List<SamplerRecord>> Take(FixedRateSampler sampler, int slots, Action<long>? afterRecord = null)
    {
        var records = new List<SamplerRecord>();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var record in sampler.RunAsync(guard.Token))
        {
            records.Add(record);
            long covered = record is SampleGap gap ? gap.Slot + gap.MissedSamples : record.Slot + 1;
            afterRecord?.Invoke(covered);
            if (record is SampleFrame && covered >= slots)
            {
                return records;
            }
        }

        throw new TimeoutException($"The sampler did not reach slot {slots} within 30 s; {records.Count} records so far.");
    }

    [Fact]
    public async Task Frames_are_one_period_apart_on_the_hand_computed_schedule()
    {
        var clock = new VirtualTimeProvider();
        var chip = new Mpu6050Chip(new FunctionSignal(6, (t, d) => { d.Clear(); d[0] = t.TotalSeconds / 10; }), clock);
        var sampler = new FixedRateSampler(new Mpu6050Source(chip), new SamplerOptions(50), clock);

        var records = await Take(sampler, 100);

        var frames = records.OfType<SampleFrame>().ToList();
        Assert.Equal(100, frames.Count);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), frames.Select(f => f.Slot));
        // The chip started 200 ms before the sampler (the driver's reset and power-on waits), so slot k is at 0.2 + k/50 s.
        for (int k = 0; k < 100; k++)
        {
            Assert.Equal(TimeSpan.FromMilliseconds(20 * k), frames[k].Time - frames[0].Time);
        }

        Assert.Equal(0, sampler.Statistics.MissedSamples);
    }

    [Fact]
    public async Task A_read_that_stalls_35_ms_at_100_Hz_costs_exactly_two_slots_reported_as_one_overrun_gap()
    {
        var clock = new VirtualTimeProvider();
        var source = new StallingSource(clock, stallAtRead: 10, TimeSpan.FromMilliseconds(35));
        var sampler = new FixedRateSampler(source, new SamplerOptions(100), clock);

        var records = await Take(sampler, 30);

        var gap = Assert.Single(records.OfType<SampleGap>());
        // Read 10 happens at slot 9 (t = 90 ms) and returns at 125 ms: slots 10 and 11 (due 100, 110 ms) are more than
        // a period overdue and lost; slot 12 (due 120 ms) is read 5 ms late, within its period.
        Assert.Equal(10, gap.Slot);
        Assert.Equal(2, gap.MissedSamples);
        Assert.Equal(GapReason.Overrun, gap.Reason);
        Assert.Equal(30 - 2, records.OfType<SampleFrame>().Count());
        Assert.Equal(2, sampler.Statistics.MissedSamples);
    }

    [Theory]
    [InlineData("nack")]
    [InlineData("timeout")]
    [InlineData("disconnect")]
    public async Task A_chip_fault_is_logged_once_marked_as_one_gap_and_sampling_recovers_with_the_driver_reconfigured(string fault)
    {
        var clock = new VirtualTimeProvider();
        // 3 g on x: readable only if the 4 g range is configured again after the chip's power cycle (reset = 2 g).
        var chip = new Mpu6050Chip(new SettableSignal(3.0, 0, 1, 0, 0, 0), clock);
        var logger = new TestLogger();
        var source = new ReconnectingSource(new Mpu6050Source(chip, AccelerometerRange.Range04G), clock, chip);
        var sampler = new FixedRateSampler(source, new SamplerOptions(100) { InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(100) }, clock, logger);
        bool injected = false;

        var records = await Take(sampler, 400, covered =>
        {
            if (!injected && covered >= 100)
            {
                injected = true;
                switch (fault)
                {
                    case "nack": chip.Faults.NackNext(5); break;
                    case "timeout": chip.Faults.TimeoutNext(6, TimeSpan.FromMilliseconds(30)); break;
                    default:
                        chip.Faults.Disconnect();
                        source.ReconnectAt = clock.Elapsed + TimeSpan.FromSeconds(1);
                        break;
                }
            }
        });

        var gaps = records.OfType<SampleGap>().Where(g => g.Reason == GapReason.SensorFault).ToList();
        var gap = Assert.Single(gaps);
        Assert.Equal(1, sampler.Statistics.Faults);
        Assert.Equal(1, sampler.Statistics.Recoveries);
        Assert.Equal(1, logger.Count(LogLevel.Warning));
        Assert.Contains("Error 1", gap.Detail);
        // Nothing lost silently: every slot is a frame or inside exactly one gap.
        long slotsCovered = records.OfType<SampleFrame>().Count() + records.OfType<SampleGap>().Sum(g => g.MissedSamples);
        var last = records[^1];
        long end = last is SampleFrame f ? f.Slot + 1 : ((SampleGap)last).Slot + ((SampleGap)last).MissedSamples;
        Assert.Equal(end, slotsCovered);
        var after = records.OfType<SampleFrame>().Where(frame => frame.Slot > gap.Slot).ToList();
        Assert.NotEmpty(after);
        Assert.All(after, frame => Assert.InRange(frame.Values[0], 2.999f, 3.001f));
    }

    [Fact]
    public async Task Sampler_survives_a_chip_that_is_absent_from_the_start_and_starts_when_it_appears()
    {
        var clock = new VirtualTimeProvider();
        var chip = new Mpu6050Chip(new SettableSignal(0, 0, 1, 0, 0, 0), clock);
        chip.Faults.Disconnect();
        var source = new ReconnectingSource(new Mpu6050Source(chip), clock, chip) { ReconnectAt = TimeSpan.FromSeconds(1) };
        var sampler = new FixedRateSampler(source, new SamplerOptions(100) { MaxBackoff = TimeSpan.FromMilliseconds(100) }, clock, new TestLogger());

        var records = await Take(sampler, 300);

        Assert.IsType<SampleGap>(records[0]);
        Assert.Equal(0, ((SampleGap)records[0]).Slot);
        Assert.True(records.OfType<SampleFrame>().Count() > 150);
    }

    [Fact]
    public async Task Stuck_values_repeat_the_last_sample_and_noise_has_the_injected_spread()
    {
        var clock = new VirtualTimeProvider();
        var chip = new Mpu6050Chip(new FunctionSignal(6, (t, d) => { d.Clear(); d[2] = 1; d[3] = 100 * Math.Sin(t.TotalSeconds); }), clock);
        var sampler = new FixedRateSampler(new Mpu6050Source(chip, AccelerometerRange.Range02G, GyroscopeRange.Range0250Dps), new SamplerOptions(100), clock);
        chip.Faults.StuckValues = true;
        var stuck = (await Take(sampler, 50)).OfType<SampleFrame>().Skip(1).ToList();
        Assert.All(stuck, frame => Assert.Equal(stuck[0].Values, frame.Values));

        chip.Faults.StuckValues = false;
        chip.Faults.SetNoise(0.05, 0, 0);
        var noisy = (await Take(new FixedRateSampler(new Mpu6050Source(chip, AccelerometerRange.Range02G), new SamplerOptions(100), clock), 2000))
            .OfType<SampleFrame>().Select(frame => (double)frame.Values[0]).ToList();
        double mean = noisy.Average();
        double std = Math.Sqrt(noisy.Sum(x => (x - mean) * (x - mean)) / (noisy.Count - 1));
        // 2000 samples: the sample standard deviation is within ~3 % (1.96·σ/√(2n)) of 0.05 g with 95 % probability.
        Assert.InRange(std, 0.046, 0.054);
        Assert.InRange(mean, -0.005, 0.005);
    }

    [Fact]
    public async Task A_chip_clock_running_5_percent_fast_samples_the_signal_5_percent_ahead()
    {
        var clock = new VirtualTimeProvider();
        var chip = new Mpu6050Chip(new FunctionSignal(6, (t, d) => { d.Clear(); d[0] = t.TotalSeconds / 10; }), clock);
        chip.Faults.ClockDriftPpm = 50_000;
        var sampler = new FixedRateSampler(new Mpu6050Source(chip, AccelerometerRange.Range02G), new SamplerOptions(100), clock);
        var frames = (await Take(sampler, 1001)).OfType<SampleFrame>().ToList();
        double chipSeconds = (frames[^1].Values[0] - frames[0].Values[0]) * 10;
        double hostSeconds = (frames[^1].Time - frames[0].Time).TotalSeconds;
        Assert.InRange(chipSeconds / hostSeconds, 1.049, 1.051);
    }

    private sealed class StallingSource(VirtualTimeProvider clock, int stallAtRead, TimeSpan stall) : ISensorSource
    {
        private int _reads;

        public string Name => "stalling";

        public IReadOnlyList<SensorChannel> Channels { get; } = [new("x", "")];

        public void Open()
        {
        }

        public void Read(Span<float> destination)
        {
            if (++_reads == stallAtRead)
            {
                clock.Advance(stall);
            }

            destination[0] = _reads;
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Plugs the chip back in at the first re-open attempt after <see cref="ReconnectAt"/> on the simulated clock (deterministic, unlike a watcher thread).</summary>
    private sealed class ReconnectingSource(ISensorSource inner, VirtualTimeProvider clock, Mpu6050Chip chip) : ISensorSource
    {
        public TimeSpan? ReconnectAt { get; set; }

        public string Name => inner.Name;

        public IReadOnlyList<SensorChannel> Channels => inner.Channels;

        public void Open()
        {
            if (ReconnectAt is { } at && clock.Elapsed >= at)
            {
                ReconnectAt = null;
                chip.Faults.Reconnect();
            }

            inner.Open();
        }

        public void Read(Span<float> destination) => inner.Read(destination);

        public void Dispose() => inner.Dispose();
    }
}
