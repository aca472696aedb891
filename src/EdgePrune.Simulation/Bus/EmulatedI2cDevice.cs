using System.Device.I2c;
using EdgePrune.Simulation.Faults;
using EdgePrune.Simulation.Signals;

namespace EdgePrune.Simulation.Bus;

/// <summary>
/// A chip behind an <see cref="I2cDevice"/>, answering the register-pointer protocol most sensors share: a write
/// sets the register pointer with its first byte and writes the following bytes to successive registers; a read
/// returns successive registers from the pointer (burst read, with auto-increment defined by the chip).
/// Production drivers take this object where they would take <c>I2cDevice.Create(...)</c>.
/// </summary>
public abstract class EmulatedI2cDevice : I2cDevice
{
    private readonly I2cConnectionSettings _settings;
    private readonly long _startTimestamp;
    private readonly double[] _lastSample;
    private bool _hasSample;
    private byte _pointer;

    protected EmulatedI2cDevice(string chipName, int busId, int address, ISignalSource signal, int signalChannels, TimeProvider clock)
    {
        if (signal.ChannelCount < signalChannels)
        {
            throw new ArgumentException($"{chipName} needs a signal with {signalChannels} channels, the source has {signal.ChannelCount}.", nameof(signal));
        }

        ChipName = chipName;
        Signal = signal;
        Clock = clock;
        _settings = new I2cConnectionSettings(busId, address);
        _startTimestamp = clock.GetTimestamp();
        _lastSample = new double[signalChannels];
        Faults = new FaultInjector(clock, noiseSeed: address);
        Faults.Reconnected += () =>
        {
            _pointer = 0;
            PowerOnReset();
        };
    }

    public string ChipName { get; }

    public ISignalSource Signal { get; }

    public TimeProvider Clock { get; }

    public FaultInjector Faults { get; }

    /// <summary>When set, every transaction is recorded (for tests that check what a driver does on the bus).</summary>
    public BusTrafficLog? Traffic { get; set; }

    public override I2cConnectionSettings ConnectionSettings => _settings;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Faults.BeforeTransaction(ChipName);
        if (buffer.IsEmpty)
        {
            return;
        }

        Traffic?.Add(new BusTransaction(false, buffer[0], buffer[1..].ToArray()));
        _pointer = buffer[0];
        PointerWritten(_pointer);
        for (int i = 1; i < buffer.Length; i++)
        {
            WriteRegister(_pointer, buffer[i]);
            _pointer = NextAddress(_pointer);
        }
    }

    public override void Read(Span<byte> buffer)
    {
        Faults.BeforeTransaction(ChipName);
        byte start = _pointer;
        BeginRead(start);
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = ReadRegister(_pointer);
            _pointer = NextAddress(_pointer);
        }

        Traffic?.Add(new BusTransaction(true, start, buffer.ToArray()));
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    /// <summary>Registers back to their power-on values (after a reset command or a reconnection).</summary>
    protected abstract void PowerOnReset();

    protected abstract byte ReadRegister(byte address);

    protected abstract void WriteRegister(byte address, byte value);

    /// <summary>Called when a read transaction starts: real chips latch their data registers into shadow registers here, so a burst read is coherent.</summary>
    protected virtual void BeginRead(byte address)
    {
    }

    protected virtual void PointerWritten(byte address)
    {
    }

    protected virtual byte NextAddress(byte address) => (byte)(address + 1);

    /// <summary>The chip's elapsed time since power-up, on its own (possibly drifting) oscillator.</summary>
    protected TimeSpan ChipElapsed() => Faults.ChipTime(Clock.GetElapsedTime(_startTimestamp));

    /// <summary>
    /// The physical values at the chip's last conversion instant (time quantized to the output data rate), with
    /// injected noise; a stuck chip keeps returning the previous values.
    /// </summary>
    protected ReadOnlySpan<double> SampleSignal(double outputDataRateHz)
    {
        if (Faults.StuckValues && _hasSample)
        {
            return _lastSample;
        }

        TimeSpan elapsed = ChipElapsed();
        double period = 1.0 / outputDataRateHz;
        TimeSpan conversionInstant = TimeSpan.FromSeconds(Math.Floor(elapsed.TotalSeconds / period) * period);
        Span<double> all = stackalloc double[Signal.ChannelCount];
        Signal.Sample(conversionInstant, all);
        all[.._lastSample.Length].CopyTo(_lastSample);
        Faults.AddNoise(_lastSample);
        _hasSample = true;
        return _lastSample;
    }

    /// <summary>Rounds a physical value to the chip's signed integer code and saturates at the code range, as the ADC does.</summary>
    protected static short ToCode(double value, double lsbPerUnit, int bits = 16)
    {
        double max = (1 << (bits - 1)) - 1;
        double min = -(1 << (bits - 1));
        return (short)Math.Clamp(Math.Round(value * lsbPerUnit), min, max);
    }
}
