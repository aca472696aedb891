using System.Buffers.Binary;
using System.Device.Spi;
using EdgePrune.Simulation.Bus;
using EdgePrune.Simulation.Signals;

namespace EdgePrune.Simulation.Chips.Adxl345;

/// <summary>
/// An Analog Devices ADXL345 3-axis accelerometer on SPI (4-wire, mode 3) at register level, for the unchanged
/// <c>Iot.Device.Adxl345.Adxl345</c> driver. Signal channels: ax, ay, az in g.
/// Datasheet: ADXL345 Rev. G (DS); register map in DS Table 19.
/// </summary>
public sealed class Adxl345Chip : EmulatedSpiDevice
{
    private const byte DeviceId = 0x00;
    private const byte BandwidthRate = 0x2C;
    private const byte PowerControl = 0x2D;
    private const byte DataFormat = 0x31;
    private const byte DataX0 = 0x32;

    private readonly byte[] _registers = new byte[0x40];
    private readonly byte[] _dataShadow = new byte[6];

    public Adxl345Chip(ISignalSource signal, TimeProvider clock, int busId = 0, int chipSelect = 0)
        : base("ADXL345", new SpiConnectionSettings(busId, chipSelect) { Mode = SpiMode.Mode3, ClockFrequency = 5_000_000 }, signal, 3, clock)
    {
        PowerOnReset();
    }

    /// <summary>DATA_FORMAT range bits (DS Table 21): 0 = ±2 g ... 3 = ±16 g.</summary>
    public int RangeCode => _registers[DataFormat] & 0x03;

    public bool FullResolution => (_registers[DataFormat] & 0x08) != 0;

    public bool Measuring => (_registers[PowerControl] & 0x08) != 0;

    /// <summary>DS Table 7: output data rate = 3200 Hz / 2^(15 - rate code).</summary>
    public double OutputDataRateHz => 3200.0 / Math.Pow(2, 15 - (_registers[BandwidthRate] & 0x0F));

    protected override void PowerOnReset()
    {
        Array.Clear(_registers);
        Array.Clear(_dataShadow);
        _registers[DeviceId] = 0xE5; // DS register 0x00 DEVID
        _registers[BandwidthRate] = 0x0A; // 100 Hz
    }

    protected override void WriteRegister(byte address, byte value)
    {
        if (address is DeviceId or >= DataX0 and <= DataX0 + 5)
        {
            return;
        }

        _registers[address] = value;
    }

    protected override void BeginRead(byte address)
    {
        if (address >= DataX0 && address <= DataX0 + 5 && Measuring)
        {
            Latch();
        }
    }

    protected override byte ReadRegister(byte address) =>
        address >= DataX0 && address <= DataX0 + 5 ? _dataShadow[address - DataX0] : _registers[address];

    private void Latch()
    {
        ReadOnlySpan<double> g = SampleSignal(OutputDataRateHz);
        // DS Table 1: 10-bit mode scales with the range (256/128/64/32 LSB/g); FULL_RES keeps 256 LSB/g and grows to 13 bits.
        int bits = FullResolution ? 10 + RangeCode : 10;
        double lsbPerG = FullResolution ? 256.0 : 256.0 / (1 << RangeCode);
        for (int axis = 0; axis < 3; axis++)
        {
            short code = ToCode(g[axis], lsbPerG, bits);
            BinaryPrimitives.WriteInt16LittleEndian(_dataShadow.AsSpan(2 * axis), code);
        }
    }

    private static short ToCode(double value, double lsbPerUnit, int bits)
    {
        double max = (1 << (bits - 1)) - 1;
        double min = -(1 << (bits - 1));
        return (short)Math.Clamp(Math.Round(value * lsbPerUnit), min, max);
    }
}
