using System.Runtime.CompilerServices;
using EdgePrune.Sensors.Sources;
using EdgePrune.Sensors.Traces;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgePrune.Sensors.Sampling;

/// <summary>How often to sample and how patiently to retry a failed sensor.</summary>
public sealed record SamplerOptions(double RateHz)
{
    /// <summary>First wait before re-opening a failed sensor; doubles after each failed attempt up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Reads a source at a fixed rate against an injectable clock. Slot k is due at k / rate after the start; a slot
/// the loop reaches more than one period late is missed and reported in a <see cref="SampleGap"/>. A sensor error
/// never escapes the loop: it is logged once per fault episode, the source is re-opened with exponential back-off,
/// and when it answers again one gap marker covers every slot lost meanwhile, followed by fresh frames.
/// </summary>
public sealed class FixedRateSampler
{
    private readonly ISensorSource _source;
    private readonly TimeProvider _clock;
    private readonly SamplerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeSpan _period;

    public FixedRateSampler(ISensorSource source, SamplerOptions options, TimeProvider clock, ILogger? logger = null)
    {
        if (!(options.RateHz > 0) || double.IsInfinity(options.RateHz))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RateHz, "The sample rate must be a positive number of samples per second.");
        }

        _source = source;
        _options = options;
        _clock = clock;
        _logger = logger ?? NullLogger.Instance;
        _period = TimeSpan.FromSeconds(1.0 / options.RateHz);
    }

    public SamplerStatistics Statistics { get; } = new();

    public async IAsyncEnumerable<SamplerRecord> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long start = _clock.GetTimestamp();
        var values = new float[_source.Channels.Count];
        long slot = 0;
        Fault? fault = TryOpen(out string? openError) ? null : BeginFault(0, TimeSpan.Zero, openError!);

        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan due = SlotTime(slot);
            TimeSpan now = _clock.GetElapsedTime(start);
            if (now < due)
            {
                if (!await DelayAsync(due - now, cancellationToken))
                {
                    break;
                }

                now = _clock.GetElapsedTime(start);
            }

            // Checked when the slot is due, so a trace ends after its last row instead of repeating it.
            if (_source is IFiniteSource { IsExhausted: true })
            {
                break;
            }

            long late = (long)((now - due).Ticks / _period.Ticks);
            if (late > 0)
            {
                if (fault is null)
                {
                    Statistics.CountGap(late);
                    yield return new SampleGap(slot, due, late, GapReason.Overrun, $"woke {(now - due).TotalMilliseconds:0.#} ms late");
                }

                slot += late;
            }

            if (fault is not null)
            {
                if (now < fault.NextAttempt)
                {
                    slot++;
                    continue;
                }

                if (!TryOpen(out string? error) || !TryRead(values, out error))
                {
                    fault.Backoff = TimeSpan.FromTicks(Math.Min(fault.Backoff.Ticks * 2, _options.MaxBackoff.Ticks));
                    fault.NextAttempt = now + fault.Backoff;
                    _logger.LogDebug("{Source} still failing: {Error}", _source.Name, error);
                    slot++;
                    continue;
                }

                long missed = slot - fault.FirstSlot;
                Statistics.CountGap(missed);
                Statistics.CountRecovery();
                _logger.LogInformation("{Source} answers again after {Missed} missed samples", _source.Name, missed);
                yield return new SampleGap(fault.FirstSlot, SlotTime(fault.FirstSlot), missed, GapReason.SensorFault, fault.FirstError);
                fault = null;
                yield return Frame(slot, now, values);
            }
            else if (TryRead(values, out string? error))
            {
                yield return Frame(slot, now, values);
            }
            else
            {
                fault = BeginFault(slot, now, error!);
            }

            slot++;
        }

        if (fault is not null && slot > fault.FirstSlot)
        {
            Statistics.CountGap(slot - fault.FirstSlot);
            yield return new SampleGap(fault.FirstSlot, SlotTime(fault.FirstSlot), slot - fault.FirstSlot, GapReason.SensorFault, fault.FirstError);
        }
    }

    private TimeSpan SlotTime(long slot) => TimeSpan.FromTicks(slot * _period.Ticks);

    private SampleFrame Frame(long slot, TimeSpan now, float[] values)
    {
        Statistics.CountSample();
        return new SampleFrame(slot, now, (float[])values.Clone(), (_source as ILabelledSource)?.CurrentLabel);
    }

    private Fault BeginFault(long slot, TimeSpan now, string error)
    {
        Statistics.CountFault();
        _logger.LogWarning("{Source} failed, sampling continues and retries with back-off: {Error}", _source.Name, error);
        return new Fault(slot, error) { Backoff = _options.InitialBackoff, NextAttempt = now + _options.InitialBackoff };
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _clock, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    // A driver may throw anything (IOException for NACKs, TimeoutException, even ArgumentException on garbage);
    // none of it may end the loop.
    private bool TryOpen(out string? error)
    {
        try
        {
            _source.Open();
            error = null;
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            error = $"{exception.GetType().Name}: {exception.Message}";
            return false;
        }
    }

    private bool TryRead(float[] values, out string? error)
    {
        try
        {
            _source.Read(values);
            error = null;
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            error = $"{exception.GetType().Name}: {exception.Message}";
            return false;
        }
    }

    private sealed class Fault(long firstSlot, string firstError)
    {
        public long FirstSlot { get; } = firstSlot;

        public string FirstError { get; } = firstError;

        public TimeSpan Backoff { get; set; }

        public TimeSpan NextAttempt { get; set; }
    }
}
