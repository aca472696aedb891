namespace EdgePrune.Simulation.Time;

/// <summary>
/// Simulated time that only moves when asked: <see cref="Advance"/> moves it, and a timer created with a due
/// time moves it to that instant and fires at once. One waiter (the sampler's <c>Task.Delay</c>) therefore runs
/// hours of sampling in milliseconds, deterministically. Meant for one waiting loop at a time; timers that are
/// due together fire in creation order.
/// </summary>
public sealed class VirtualTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private long _ticks;
    private readonly DateTimeOffset _epoch;

    public VirtualTimeProvider(DateTimeOffset? epoch = null)
    {
        _epoch = epoch ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp()
    {
        lock (_gate) { return _ticks; }
    }

    public override DateTimeOffset GetUtcNow() => _epoch + TimeSpan.FromTicks(GetTimestamp());

    public TimeSpan Elapsed => TimeSpan.FromTicks(GetTimestamp());

    public void Advance(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        lock (_gate) { _ticks += duration.Ticks; }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new JumpingTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class JumpingTimer(VirtualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private int _generation;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            int generation = Interlocked.Increment(ref _generation);
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                return true;
            }

            if (dueTime > TimeSpan.Zero)
            {
                owner.Advance(dueTime);
            }

            // Fired from the thread pool: the caller (Task.Delay) must finish storing the timer before its callback runs.
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                if (Volatile.Read(ref _generation) == generation)
                {
                    callback(state);
                }
            }, null);
            return true;
        }

        public void Dispose() => Interlocked.Increment(ref _generation);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
