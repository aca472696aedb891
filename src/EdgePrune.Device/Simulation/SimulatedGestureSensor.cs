using EdgePrune.Sensors.Sources;
using EdgePrune.Sensors.Traces;

namespace EdgePrune.Device.Simulation;

/// <summary>
/// The production source of the board's gesture sensor (driver over an emulated chip fed by a trace), made finite
/// and labelled: it reports exhausted once the clock passes the trace's end, and the ground-truth label of the trace
/// at the current time, so output windows carry the truth. Only built behind <c>--simulate</c>.
/// </summary>
public sealed class SimulatedGestureSensor(ISensorSource inner, SensorTrace trace, TimeProvider clock) : ISensorSource, IFiniteSource, ILabelledSource
{
    private readonly long _start = clock.GetTimestamp();

    public string Name => inner.Name;

    public IReadOnlyList<SensorChannel> Channels => inner.Channels;

    public bool IsExhausted => clock.GetElapsedTime(_start).TotalSeconds > trace.Times[^1];

    public string? CurrentLabel => trace.Labels is { } labels && trace.IndexAt(clock.GetElapsedTime(_start).TotalSeconds) is int i and >= 0 ? labels[i] : null;

    public void Open() => inner.Open();

    public void Read(Span<float> destination) => inner.Read(destination);

    public void Dispose() => inner.Dispose();
}
