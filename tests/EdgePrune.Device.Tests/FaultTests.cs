using EdgePrune.Device.Service;
using EdgePrune.Sensors.Actions;
using EdgePrune.Sensors.Sampling;
using EdgePrune.Sensors.Sources;
using EdgePrune.Sensors.Traces;
using Microsoft.Extensions.Logging;

namespace EdgePrune.Device.Tests;

public class FaultTests
{
    [Fact]
    public async Task Every_injected_fault_is_survived_bus_faults_are_logged_once_and_marked_and_no_line_is_lost()
    {
        var pi = SimulatedPi.Create("generator:9200:120");
        var faults = pi.Run.Simulation!.Board.FaultsOf("imu");
        var clock = pi.Run.Parts.Clock;
        (double At, Action Apply)[] schedule =
        [
            (15, () => faults.NackNext(3)),
            (30, () => faults.TimeoutNext(2, TimeSpan.FromMilliseconds(30))),
            (45, faults.Disconnect),
            (48, faults.Reconnect),
            (60, () => faults.StuckValues = true),
            (62, () => faults.StuckValues = false),
            (70, () => faults.SetNoise(0.05, 0.05, 0.05, 2, 2, 2)),
            (75, () => faults.SetNoise(0, 0, 0, 0, 0, 0)),
            (85, () => faults.ClockDriftPpm = 2000),
            (95, () => faults.ClockDriftPpm = 0),
        ];
        DeviceRunSummary summary;
        try
        {
            summary = await pi.RunAsync(change: parts => parts with { Source = new ScheduledFaults(parts.Source, clock, schedule) });
        }
        finally
        {
            await pi.DisposeAsync();
        }

        // NACK, bus timeout and disconnect are bus faults: each one episode, one warning, one gap marker, one recovery.
        var gaps = pi.Records.OfType<GapRecord>().ToList();
        Assert.Equal(3, gaps.Count);
        Assert.All(gaps, g => Assert.Equal(GapReason.SensorFault, g.Reason));
        Assert.Equal([15.0, 30.0, 45.0], gaps.Select(g => Math.Floor(g.TimeS)).ToArray());
        Assert.Equal(3, summary.SensorFaults);
        Assert.Equal(3, summary.Recoveries);
        Assert.Equal(3, pi.Logger.Count(LogLevel.Warning));
        Assert.Equal(0, pi.Logger.Count(LogLevel.Error));

        // The service classified before, between and after the faults, through the stuck, noisy and drifting spans too.
        var windows = pi.Records.OfType<WindowRecord>().ToList();
        foreach (double second in new[] { 10, 20, 40, 50, 61, 72, 90, 110 })
        {
            Assert.Contains(windows, w => w.TimeS >= second && w.TimeS < second + 1);
        }

        // Nothing lost silently: every window, gap marker and event is one whole JSON line.
        var lines = pi.JsonLines();
        Assert.Equal(summary.Windows + summary.Gaps + summary.Events, lines.Length);
        Assert.Equal(summary.Windows, lines.Count(l => l.Contains("\"type\":\"window\"", StringComparison.Ordinal)));
        Assert.Equal(summary.Gaps, lines.Count(l => l.Contains("\"type\":\"gap\"", StringComparison.Ordinal)));
        Assert.All(lines, line => Assert.NotNull(OutputRecord.FromJson(line)));
        Assert.Equal(summary.Lines, lines.Length);
    }

    /// <summary>Applies each fault when the simulated clock passes its time, checked at every bus access of the source.</summary>
    private sealed class ScheduledFaults(ISensorSource inner, TimeProvider clock, (double At, Action Apply)[] schedule) : ISensorSource, IFiniteSource, ILabelledSource
    {
        private readonly long _start = clock.GetTimestamp();
        private int _next;

        public string Name => inner.Name;

        public IReadOnlyList<SensorChannel> Channels => inner.Channels;

        public bool IsExhausted => ((IFiniteSource)inner).IsExhausted;

        public string? CurrentLabel => ((ILabelledSource)inner).CurrentLabel;

        public void Open()
        {
            Step();
            inner.Open();
        }

        public void Read(Span<float> destination)
        {
            Step();
            inner.Read(destination);
        }

        public void Dispose() => inner.Dispose();

        private void Step()
        {
            double now = clock.GetElapsedTime(_start).TotalSeconds;
            while (_next < schedule.Length && now >= schedule[_next].At)
            {
                schedule[_next++].Apply();
            }
        }
    }
}
