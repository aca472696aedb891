using System.Diagnostics;
using EdgePrune.Device.Service;
using EdgePrune.Sensors.Inference;

namespace EdgePrune.Device.Models;

/// <summary>
/// The classifier the pipeline holds for the whole run: forwards each window to the current model and times it.
/// <see cref="Swap"/> replaces the model between two windows (the reference is read once per window), so a reload
/// never drops or splits one. A replacement must keep the classes, window length and channel count.
/// </summary>
public sealed class SwappableClassifier(IWindowClassifier initial, LatencyRecorder latency) : IWindowClassifier
{
    private IWindowClassifier _current = initial;
    private int _swaps;

    public IReadOnlyList<string> Classes => Volatile.Read(ref _current).Classes;

    public int WindowLength => Volatile.Read(ref _current).WindowLength;

    public int ChannelCount => Volatile.Read(ref _current).ChannelCount;

    public IWindowClassifier Current => Volatile.Read(ref _current);

    public int Swaps => Volatile.Read(ref _swaps);

    public LatencyRecorder Latency => latency;

    /// <summary>Installs <paramref name="next"/> and returns the model it replaced (the caller disposes it if it owns memory).</summary>
    public IWindowClassifier Swap(IWindowClassifier next, string source)
    {
        var current = Current;
        if (!next.Classes.SequenceEqual(current.Classes) || next.WindowLength != current.WindowLength || next.ChannelCount != current.ChannelCount)
        {
            throw new DeviceConfigException($"{source}: the new model has classes [{string.Join(", ", next.Classes)}] and windows of {next.WindowLength}×{next.ChannelCount}; the running one [{string.Join(", ", current.Classes)}] and {current.WindowLength}×{current.ChannelCount}; a reload must keep both");
        }

        var previous = Interlocked.Exchange(ref _current, next);
        Interlocked.Increment(ref _swaps);
        return previous;
    }

    public void Classify(ReadOnlySpan<float> window, Span<float> scores)
    {
        var model = Volatile.Read(ref _current);
        long start = Stopwatch.GetTimestamp();
        model.Classify(window, scores);
        latency.Record(start, Stopwatch.GetTimestamp());
    }
}
