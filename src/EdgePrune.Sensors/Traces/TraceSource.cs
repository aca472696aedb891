using EdgePrune.Sensors.Sources;

namespace EdgePrune.Sensors.Traces;

/// <summary>A source whose data ends (a trace): the sampler stops when it is exhausted.</summary>
public interface IFiniteSource
{
    bool IsExhausted { get; }
}

/// <summary>A source that knows the ground truth of what it is reading (a labelled trace).</summary>
public interface ILabelledSource
{
    string? CurrentLabel { get; }
}

/// <summary>
/// Replays a <see cref="SensorTrace"/> against a clock: a read returns the row recorded at the clock's elapsed time
/// since <see cref="Open"/>. Real-time replay uses <see cref="TimeProvider.System"/>; accelerated replay a
/// <see cref="Timing.ScaledTimeProvider"/>; tests a simulated clock.
/// </summary>
public sealed class TraceSource(SensorTrace trace, TimeProvider clock, string name = "trace") : ISensorSource, IFiniteSource, ILabelledSource
{
    private long _start;
    private int _index = -1;

    public string Name => name;

    public IReadOnlyList<SensorChannel> Channels { get; } = trace.Channels.Select(c => new SensorChannel(c, "")).ToArray();

    public SensorTrace Trace => trace;

    public bool IsExhausted => _index >= trace.Count - 1 && clock.GetElapsedTime(_start).TotalSeconds > trace.Times[^1];

    public string? CurrentLabel => trace.Labels is { } labels && _index >= 0 ? labels[_index] : null;

    public void Open()
    {
        if (trace.Count == 0)
        {
            throw new InvalidOperationException("The trace has no rows to replay.");
        }

        if (_index < 0)
        {
            _start = clock.GetTimestamp();
        }
    }

    public void Read(Span<float> destination)
    {
        _index = Math.Max(0, trace.IndexAt(clock.GetElapsedTime(_start).TotalSeconds));
        trace.Rows[_index].CopyTo(destination);
    }

    public void Dispose()
    {
    }
}
