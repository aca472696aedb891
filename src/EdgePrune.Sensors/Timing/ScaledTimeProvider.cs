namespace EdgePrune.Sensors.Timing;

/// <summary>
/// Wall-clock time sped up (or slowed down) by a constant factor: with <c>speed = 10</c> one real second is ten
/// seconds for whoever reads this clock, and a 100 ms delay lasts 10 real milliseconds. Replays a trace at
/// accelerated speed with the same code path as real time (speed 1).
/// </summary>
public sealed class ScaledTimeProvider : TimeProvider
{
    private readonly TimeProvider _inner;
    private readonly long _innerStart;

    public ScaledTimeProvider(double speed, TimeProvider? inner = null)
    {
        if (!(speed > 0) || double.IsInfinity(speed))
        {
            throw new ArgumentOutOfRangeException(nameof(speed), speed, "The replay speed must be a positive finite factor (1 = real time).");
        }

        Speed = speed;
        _inner = inner ?? System;
        _innerStart = _inner.GetTimestamp();
    }

    public double Speed { get; }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => (long)(_inner.GetElapsedTime(_innerStart).Ticks * Speed);

    public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _inner.CreateTimer(callback, state, Scale(dueTime), Scale(period));

    private TimeSpan Scale(TimeSpan interval) =>
        interval == Timeout.InfiniteTimeSpan ? interval : TimeSpan.FromTicks((long)(interval.Ticks / Speed));
}
