using EdgePrune.Sensors.Traces;

namespace EdgePrune.Simulation.Signals;

/// <summary>
/// A recorded trace as the physical signal an emulated chip measures: linear interpolation between rows, the first
/// and last rows held outside the trace. <paramref name="channels"/> picks and orders the trace columns the chip needs.
/// </summary>
public sealed class TraceSignal : ISignalSource
{
    private readonly SensorTrace _trace;
    private readonly int[] _columns;

    public TraceSignal(SensorTrace trace, params string[] channels)
    {
        _trace = trace;
        _columns = channels.Length == 0
            ? Enumerable.Range(0, trace.Channels.Count).ToArray()
            : channels.Select(name =>
            {
                int column = trace.Channels.ToList().IndexOf(name);
                return column >= 0 ? column : throw new ArgumentException($"The trace has no channel '{name}' (it has {string.Join(", ", trace.Channels)}).", nameof(channels));
            }).ToArray();
    }

    public int ChannelCount => _columns.Length;

    public void Sample(TimeSpan time, Span<double> destination)
    {
        double seconds = time.TotalSeconds;
        int index = Math.Max(0, _trace.IndexAt(seconds));
        int next = Math.Min(index + 1, _trace.Count - 1);
        double t0 = _trace.Times[index], t1 = _trace.Times[next];
        double weight = t1 > t0 ? Math.Clamp((seconds - t0) / (t1 - t0), 0, 1) : 0;
        for (int c = 0; c < _columns.Length; c++)
        {
            double a = _trace.Rows[index][_columns[c]], b = _trace.Rows[next][_columns[c]];
            destination[c] = a + (b - a) * weight;
        }
    }
}
