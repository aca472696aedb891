using System.Device.Spi;
using EdgePrune.Simulation.Faults;
using EdgePrune.Simulation.Signals;

namespace EdgePrune.Simulation.Bus;

/// <summary>
/// A chip behind a <see cref="SpiDevice"/> using the common register protocol: the first byte of each
/// chip-select frame is the command (read flag, multi-byte flag, 6-bit address); the chip shifts data out on
/// the following clocks, or takes the following bytes as data to write.
/// </summary>
public abstract class EmulatedSpiDevice : SpiDevice
{
    private readonly SpiConnectionSettings _settings;
    private readonly long _startTimestamp;
    private readonly double[] _lastSample;
    private bool _hasSample;

    protected EmulatedSpiDevice(string chipName, SpiConnectionSettings settings, ISignalSource signal, int signalChannels, TimeProvider clock)
    {
        if (signal.ChannelCount < signalChannels)
        {
            throw new ArgumentException($"{chipName} needs a signal with {signalChannels} channels, the source has {signal.ChannelCount}.", nameof(signal));
        }

        ChipName = chipName;
        Signal = signal;
        Clock = clock;
        _settings = settings;
        _startTimestamp = clock.GetTimestamp();
        _lastSample = new double[signalChannels];
        Faults = new FaultInjector(clock, noiseSeed: settings.ChipSelectLine + 100);
        Faults.Reconnected += PowerOnReset;
    }

    public string ChipName { get; }

    public ISignalSource Signal { get; }

    public TimeProvider Clock { get; }

    public FaultInjector Faults { get; }

    public BusTrafficLog? Traffic { get; set; }

    public override SpiConnectionSettings ConnectionSettings => _settings;

    /// <summary>A write-only frame: command byte, then data bytes.</summary>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Span<byte> ignored = stackalloc byte[buffer.Length];
        TransferFullDuplex(buffer, ignored);
    }

    /// <summary>A read-only frame clocks out zeros, which the chip takes as a write command to register 0.</summary>
    public override void Read(Span<byte> buffer)
    {
        Span<byte> zeros = stackalloc byte[buffer.Length];
        zeros.Clear();
        TransferFullDuplex(zeros, buffer);
    }

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Faults.BeforeTransaction(ChipName);
        readBuffer.Clear();
        if (writeBuffer.IsEmpty)
        {
            return;
        }

        byte command = writeBuffer[0];
        bool read = (command & 0x80) != 0;
        bool multiByte = (command & 0x40) != 0;
        byte address = (byte)(command & 0x3F);
        int dataLength = Math.Min(writeBuffer.Length, readBuffer.Length) - 1;
        if (read)
        {
            BeginRead(address);
            for (int i = 0; i < dataLength; i++)
            {
                readBuffer[1 + i] = ReadRegister(address);
                if (multiByte)
                {
                    address = (byte)((address + 1) & 0x3F);
                }
            }

            Traffic?.Add(new BusTransaction(true, (byte)(command & 0x3F), readBuffer[1..(1 + dataLength)].ToArray()));
            return;
        }

        Traffic?.Add(new BusTransaction(false, address, writeBuffer[1..].ToArray()));
        for (int i = 1; i < writeBuffer.Length; i++)
        {
            WriteRegister(address, writeBuffer[i]);
            if (multiByte)
            {
                address = (byte)((address + 1) & 0x3F);
            }
        }
    }

    protected abstract void PowerOnReset();

    protected abstract byte ReadRegister(byte address);

    protected abstract void WriteRegister(byte address, byte value);

    protected virtual void BeginRead(byte address)
    {
    }

    protected TimeSpan ChipElapsed() => Faults.ChipTime(Clock.GetElapsedTime(_startTimestamp));

    /// <summary>See <see cref="EmulatedI2cDevice"/>: values at the last conversion instant, with noise; held when stuck.</summary>
    protected ReadOnlySpan<double> SampleSignal(double outputDataRateHz)
    {
        if (Faults.StuckValues && _hasSample)
        {
            return _lastSample;
        }

        double period = 1.0 / outputDataRateHz;
        TimeSpan conversionInstant = TimeSpan.FromSeconds(Math.Floor(ChipElapsed().TotalSeconds / period) * period);
        Span<double> all = stackalloc double[Signal.ChannelCount];
        Signal.Sample(conversionInstant, all);
        all[.._lastSample.Length].CopyTo(_lastSample);
        Faults.AddNoise(_lastSample);
        _hasSample = true;
        return _lastSample;
    }
}
