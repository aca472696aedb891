using EdgePrune.Device.Models;
using EdgePrune.Sensors.Actions;
using EdgePrune.Sensors.Inference;
using EdgePrune.Sensors.Sampling;
using EdgePrune.Sensors.Sources;
using EdgePrune.Sensors.Windows;
using Microsoft.Extensions.Logging;

namespace EdgePrune.Device.Service;

/// <summary>Counters of one run (the same numbers as the last status line).</summary>
public sealed record DeviceRunSummary(long Samples, long Windows, long Events, long Gaps, long DroppedWindows, long SensorFaults, long Recoveries, long Lines, int ModelSwaps);

/// <summary>What one run is made of; the host (or a test) builds the parts, the run wires them.</summary>
public sealed record DeviceRunParts
{
    public required ISensorSource Source { get; init; }

    public required TimeProvider Clock { get; init; }

    public required double SampleRateHz { get; init; }

    public required SwappableClassifier Classifier { get; init; }

    public required WindowSpec Window { get; init; }

    public required SmoothingOptions Smoothing { get; init; }

    /// <summary>GPIO, JSON lines, MQTT: the run writes every record to it once.</summary>
    public required IOutputSink Sink { get; init; }

    public required ILogger Logger { get; init; }

    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(10);

    public SideBySideClassifier? SideBySide { get; init; }
}

/// <summary>
/// The service's loop: fixed-rate sampler → sliding windows (the model's length, hop and normalization) →
/// classifier → smoother → sinks, with the status line alongside. Returns when the source is exhausted (a trace) or
/// the token is cancelled (SIGTERM, Ctrl-C).
/// </summary>
public static class DeviceRun
{
    public static async Task<DeviceRunSummary> RunAsync(DeviceRunParts parts, CancellationToken cancellationToken)
    {
        var spec = parts.Window;
        if (Math.Abs(spec.RateHz - parts.SampleRateHz) > 1e-9)
        {
            throw new DeviceConfigException($"the model was trained on {spec.RateHz} Hz windows but the wiring samples at {parts.SampleRateHz} Hz; set sampleRateHz to {spec.RateHz}");
        }

        if (parts.Source.Channels.Count != spec.Channels.Count)
        {
            throw new DeviceConfigException($"the model takes {spec.Channels.Count} channels ({string.Join(", ", spec.Channels)}); sensor '{parts.Source.Name}' gives {parts.Source.Channels.Count} ({string.Join(", ", parts.Source.Channels.Select(c => c.Name))}); wire a sensor that measures them");
        }

        var sampler = new FixedRateSampler(parts.Source, new SamplerOptions(parts.SampleRateHz), parts.Clock, parts.Logger);
        var status = new StatusSink(parts.Sink, sampler.Statistics, parts.Classifier, spec.Length, spec.Hop, parts.StatusInterval, parts.Logger, parts.SideBySide);
        var pipeline = new SensingPipeline(
            new SlidingWindower(spec.Length, spec.Hop, spec.Normalization()),
            parts.Classifier,
            new PredictionSmoother(parts.Classifier.Classes, parts.Smoothing),
            status);
        parts.Logger.LogInformation("running: {Sensor} at {Rate} Hz, windows {Window}, classes {Classes}", parts.Source.Name, parts.SampleRateHz, spec, string.Join(", ", parts.Classifier.Classes));
        long start = parts.Clock.GetTimestamp();
        try
        {
            await pipeline.RunAsync(sampler.RunAsync(cancellationToken), CancellationToken.None);
        }
        finally
        {
            status.Report(parts.Clock.GetElapsedTime(start).TotalSeconds);
        }

        var stats = sampler.Statistics;
        return new DeviceRunSummary(stats.Samples, status.Windows, status.Events, status.Gaps, status.DroppedWindows, stats.Faults, stats.Recoveries, status.Lines, parts.Classifier.Swaps);
    }
}
