using EdgePrune.Simulation.Signals;
using EdgePrune.Simulation.Time;

namespace EdgePrune.Simulation.Faults;

/// <summary>
/// The faults one emulated chip can be told to show. Every bus transaction asks <see cref="BeforeTransaction"/>
/// first; the signal path asks <see cref="StuckValues"/>, <see cref="AddNoise"/> and <see cref="ChipTime"/>.
/// Thread-safe: a test thread injects while the sampler thread reads.
/// </summary>
public sealed class FaultInjector
{
    private readonly object _gate = new();
    private readonly TimeProvider _clock;
    private readonly Random _noiseRandom;
    private int _nacksLeft;
    private int _timeoutsLeft;
    private TimeSpan _timeoutStall;
    private bool _disconnected;
    private double[] _noiseStdDev = [];

    public FaultInjector(TimeProvider clock, int noiseSeed = 1)
    {
        _clock = clock;
        _noiseRandom = new Random(noiseSeed);
    }

    /// <summary>Raised when the chip comes back on the bus: it has been power-cycled, so its registers are at reset values.</summary>
    public event Action? Reconnected;

    /// <summary>Transactions that failed because of an injected fault (NACK, timeout or disconnection).</summary>
    public int FailedTransactions { get; private set; }

    /// <summary>When true, the data registers keep their last sample (a latched-up sensor front end still answers the bus).</summary>
    public bool StuckValues { get; set; }

    /// <summary>The chip's oscillator error in parts per million: positive runs fast, so it samples the signal ahead of the host.</summary>
    public double ClockDriftPpm { get; set; }

    public bool IsDisconnected { get { lock (_gate) { return _disconnected; } } }

    /// <summary>The next <paramref name="count"/> transactions are not acknowledged (Linux i2c-dev reports EREMOTEIO as an IOException).</summary>
    public void NackNext(int count)
    {
        lock (_gate) { _nacksLeft += count; }
    }

    /// <summary>The next <paramref name="count"/> transactions stall for <paramref name="stall"/> (clock stretching that never ends) and then fail.</summary>
    public void TimeoutNext(int count, TimeSpan stall)
    {
        lock (_gate)
        {
            _timeoutsLeft += count;
            _timeoutStall = stall;
        }
    }

    /// <summary>The chip leaves the bus: every transaction fails until <see cref="Reconnect"/>.</summary>
    public void Disconnect()
    {
        lock (_gate) { _disconnected = true; }
    }

    /// <summary>The chip is back, freshly powered: its registers are at their reset values and the driver must configure it again.</summary>
    public void Reconnect()
    {
        lock (_gate) { _disconnected = false; }
        Reconnected?.Invoke();
    }

    /// <summary>Additive white Gaussian noise per signal channel, in the channel's own unit (0 or missing = none).</summary>
    public void SetNoise(params double[] standardDeviationPerChannel)
    {
        lock (_gate) { _noiseStdDev = (double[])standardDeviationPerChannel.Clone(); }
    }

    public void ClearAll()
    {
        lock (_gate)
        {
            _nacksLeft = 0;
            _timeoutsLeft = 0;
            _disconnected = false;
            _noiseStdDev = [];
        }
        StuckValues = false;
        ClockDriftPpm = 0;
    }

    /// <summary>Throws the <see cref="IOException"/> a Linux I2C/SPI transfer throws when the fault is active.</summary>
    public void BeforeTransaction(string chip)
    {
        TimeSpan stall;
        lock (_gate)
        {
            if (_disconnected)
            {
                FailedTransactions++;
                throw new IOException($"Error 121 performing I2C data transfer: {chip} does not acknowledge (disconnected).");
            }

            if (_nacksLeft > 0)
            {
                _nacksLeft--;
                FailedTransactions++;
                throw new IOException($"Error 121 performing I2C data transfer: {chip} did not acknowledge.");
            }

            if (_timeoutsLeft == 0)
            {
                return;
            }

            _timeoutsLeft--;
            FailedTransactions++;
            stall = _timeoutStall;
        }

        Stall(stall);
        throw new IOException($"Error 110 performing I2C data transfer: {chip} timed out after {stall.TotalMilliseconds} ms.");
    }

    /// <summary>The chip's own notion of elapsed time, given the host's.</summary>
    public TimeSpan ChipTime(TimeSpan hostElapsed) => TimeSpan.FromTicks((long)(hostElapsed.Ticks * (1 + ClockDriftPpm * 1e-6)));

    public void AddNoise(Span<double> values)
    {
        lock (_gate)
        {
            for (int i = 0; i < values.Length && i < _noiseStdDev.Length; i++)
            {
                if (_noiseStdDev[i] > 0)
                {
                    values[i] += _noiseStdDev[i] * Gaussian.Next(_noiseRandom);
                }
            }
        }
    }

    private void Stall(TimeSpan duration)
    {
        // Under virtual time the stall costs simulated time only, so accelerated tests still see the missed samples.
        if (_clock is VirtualTimeProvider virtualClock)
        {
            virtualClock.Advance(duration);
        }
        else
        {
            Thread.Sleep(duration);
        }
    }
}
