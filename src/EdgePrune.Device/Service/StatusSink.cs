using System.Globalization;
using EdgePrune.Device.Models;
using EdgePrune.Sensors.Actions;
using EdgePrune.Sensors.Sampling;
using Microsoft.Extensions.Logging;

namespace EdgePrune.Device.Service;

/// <summary>
/// Passes every record on to the real sinks and counts them; every <c>interval</c> of the run's clock (read from
/// the records' times, so it works on simulated time too) logs one status line: samples/s, inference latency
/// p50/p99, windows, dropped windows, gaps, sensor errors, events, and with <c>--engine onnxruntime</c> both
/// engines' latencies and their agreement. The status goes to the log (stderr), never into the JSON lines.
/// </summary>
public sealed class StatusSink(IOutputSink inner, SamplerStatistics sampler, SwappableClassifier classifier, int windowLength, int hop,
    TimeSpan interval, ILogger logger, SideBySideClassifier? sideBySide = null) : IOutputSink
{
    private double _nextStatus = interval.TotalSeconds;
    private double _lastTime;
    private long _lastSamples;

    public long Windows { get; private set; }

    public long Gaps { get; private set; }

    public long Events { get; private set; }

    public long Lines { get; private set; }

    /// <summary>
    /// Windows a gap cost: those whose span would have touched a missing sample, (missed + length − 1) / hop,
    /// an upper estimate since the windower restarts right after the gap.
    /// </summary>
    public long DroppedWindows { get; private set; }

    public long StatusLines { get; private set; }

    public void Write(OutputRecord record)
    {
        switch (record)
        {
            case WindowRecord:
                Windows++;
                break;
            case GapRecord gap:
                Gaps++;
                DroppedWindows += (gap.Missed + windowLength - 1) / hop;
                break;
            case GestureRecord:
                Events++;
                break;
        }

        inner.Write(record);
        Lines++;
        if (record.TimeS >= _nextStatus)
        {
            Report(record.TimeS);
            _nextStatus = (Math.Floor(record.TimeS / interval.TotalSeconds) + 1) * interval.TotalSeconds;
        }
    }

    /// <summary>Logs the status line now (also called once at the end of a run).</summary>
    public void Report(double timeS)
    {
        long samples = sampler.Samples;
        double rate = timeS > _lastTime ? (samples - _lastSamples) / (timeS - _lastTime) : 0;
        _lastTime = timeS;
        _lastSamples = samples;
        StatusLines++;
        var c = CultureInfo.InvariantCulture;
        string latency = Format(classifier.Latency);
        string engines = sideBySide is null
            ? ""
            : string.Create(c, $", onnxruntime {Format(sideBySide.OnnxLatency)}, edgeprune {Format(sideBySide.EpbLatency)}, agreement {sideBySide.Agreement ?? 0:P1}");
        logger.LogInformation("status t={Time}s: {Rate} samples/s, inference {Latency}{Engines}, windows {Windows}, dropped windows {Dropped}, gaps {Gaps}, sensor errors {Errors}, events {Events}, model swaps {Swaps}",
            timeS.ToString("F1", c), rate.ToString("F1", c), latency, engines, Windows, DroppedWindows, Gaps, sampler.Faults, Events, classifier.Swaps);
    }

    private static string Format(LatencyRecorder recorder) =>
        recorder.Percentile(50) is { } p50 && recorder.Percentile(99) is { } p99
            ? string.Create(CultureInfo.InvariantCulture, $"p50 {p50:F3} ms p99 {p99:F3} ms")
            : "no windows yet";
}
