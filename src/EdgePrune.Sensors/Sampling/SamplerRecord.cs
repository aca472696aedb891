namespace EdgePrune.Sensors.Sampling;

/// <summary>What the sampler emits, in slot order: a frame per sample taken, a gap marker per run of slots without one.</summary>
public abstract record SamplerRecord(long Slot, TimeSpan Time);

/// <summary>One sample: slot number (time = slot / rate from the start), the time it was actually read, and the values.</summary>
public sealed record SampleFrame(long Slot, TimeSpan Time, float[] Values, string? Label) : SamplerRecord(Slot, Time);

/// <summary>
/// Slots <c>Slot .. Slot + MissedSamples - 1</c> have no sample: the loop woke up too late (<see cref="GapReason.Overrun"/>)
/// or the sensor failed (<see cref="GapReason.SensorFault"/>, with the first error's message).
/// </summary>
public sealed record SampleGap(long Slot, TimeSpan Time, long MissedSamples, GapReason Reason, string Detail) : SamplerRecord(Slot, Time);

public enum GapReason
{
    Overrun,
    SensorFault,
}
