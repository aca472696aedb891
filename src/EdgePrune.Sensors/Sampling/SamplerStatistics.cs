namespace EdgePrune.Sensors.Sampling;

/// <summary>Counters a health line reports; safe to read from another thread while the sampler runs.</summary>
public sealed class SamplerStatistics
{
    private long _samples;
    private long _missed;
    private long _faults;
    private long _recoveries;
    private long _gaps;

    public long Samples => Interlocked.Read(ref _samples);

    public long MissedSamples => Interlocked.Read(ref _missed);

    /// <summary>Fault episodes: a run of failed reads counts once.</summary>
    public long Faults => Interlocked.Read(ref _faults);

    public long Recoveries => Interlocked.Read(ref _recoveries);

    public long GapMarkers => Interlocked.Read(ref _gaps);

    internal void CountSample() => Interlocked.Increment(ref _samples);

    internal void CountGap(long missed)
    {
        Interlocked.Add(ref _missed, missed);
        Interlocked.Increment(ref _gaps);
    }

    internal void CountFault() => Interlocked.Increment(ref _faults);

    internal void CountRecovery() => Interlocked.Increment(ref _recoveries);
}
