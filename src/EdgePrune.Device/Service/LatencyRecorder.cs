using System.Diagnostics;

namespace EdgePrune.Device.Service;

/// <summary>
/// The last <see cref="Capacity"/> inference latencies, for the status line's p50/p99 (nearest-rank percentiles).
/// Recorded from the pipeline thread, read from the status writer: guarded by a lock.
/// </summary>
public sealed class LatencyRecorder
{
    public const int Capacity = 2048;
    private readonly double[] _milliseconds = new double[Capacity];
    private readonly Lock _gate = new();
    private long _count;

    public long Count { get { lock (_gate) { return _count; } } }

    public void Record(long startTimestamp, long endTimestamp)
    {
        double ms = (endTimestamp - startTimestamp) * 1000.0 / Stopwatch.Frequency;
        lock (_gate)
        {
            _milliseconds[_count % Capacity] = ms;
            _count++;
        }
    }

    /// <summary>The nearest-rank percentile (0..100] of the recorded window, or null before the first record.</summary>
    public double? Percentile(double percent)
    {
        double[] sorted;
        lock (_gate)
        {
            if (_count == 0)
            {
                return null;
            }

            sorted = _milliseconds[..(int)Math.Min(_count, Capacity)];
        }

        Array.Sort(sorted);
        int rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
