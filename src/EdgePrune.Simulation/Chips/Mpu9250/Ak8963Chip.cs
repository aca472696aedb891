using System.Buffers.Binary;
using EdgePrune.Simulation.Bus;
using EdgePrune.Simulation.Signals;

namespace EdgePrune.Simulation.Chips.Mpu9250;

/// <summary>
/// The AsahiKASEI AK8963 3-axis magnetometer (inside the MPU-9250, or alone) at register level.
/// Signal channels: hx, hy, hz in µT, in the AK8963's own axes. Datasheet: AK8963 MS1356-E-02 (DS), §6–8.
/// </summary>
public sealed class Ak8963Chip : EmulatedI2cDevice
{
    public const int DefaultAddress = 0x0C;

    // DS §8.3.11: fuse ROM sensitivity adjustment; 128 means a factor of exactly 1.
    private const byte FuseSensitivityAdjustment = 128;

    private readonly byte[] _registers = new byte[0x13];
    private long _lastConversionIndex = -1;
    private bool _singleMeasurementPending;

    public Ak8963Chip(ISignalSource signal, TimeProvider clock, int busId = 1, int address = DefaultAddress)
        : base("AK8963", busId, address, signal, 3, clock)
    {
        PowerOnReset();
    }

    /// <summary>CNTL1 MODE[3:0], DS §8.3.6.</summary>
    public int Mode => _registers[0x0A] & 0x0F;

    private bool SixteenBit => (_registers[0x0A] & 0x10) != 0;

    protected override void PowerOnReset()
    {
        Array.Clear(_registers);
        _registers[0x00] = 0x48; // WIA, DS §8.3.1
        _registers[0x01] = 0x9A; // INFO: AKM's device information byte, not specified
        _lastConversionIndex = -1;
        _singleMeasurementPending = false;
    }

    protected override void WriteRegister(byte address, byte value)
    {
        switch (address)
        {
            case 0x0A:
                _registers[0x0A] = value;
                _singleMeasurementPending = (value & 0x0F) == 0x01;
                _lastConversionIndex = -1;
                return;
            case 0x0B when (value & 0x01) != 0:
                PowerOnReset(); // CNTL2 SRST, DS §8.3.7
                return;
            case 0x0C:
                _registers[0x0C] = (byte)(value & 0x40);
                return;
        }
    }

    protected override void BeginRead(byte address)
    {
        if (address <= 0x02)
        {
            Convert();
        }
    }

    protected override byte ReadRegister(byte address)
    {
        if (address is >= 0x10 and <= 0x12)
        {
            // DS §6.4.5: the fuse ROM is readable only in fuse ROM access mode.
            return Mode == 0x0F ? FuseSensitivityAdjustment : (byte)0;
        }

        if (address >= _registers.Length)
        {
            return 0;
        }

        byte value = _registers[address];
        if (address is >= 0x03 and <= 0x09)
        {
            // DS §8.3.3: reading the measurement data or ST2 clears DRDY and DOR.
            _registers[0x02] = 0;
        }

        return value;
    }

    private void Convert()
    {
        double rateHz = Mode switch
        {
            0x02 => 8.0,
            0x06 => 100.0,
            _ => 0.0,
        };

        if (_singleMeasurementPending)
        {
            // DS §6.4.3.2: one measurement, then the chip returns to power-down by itself.
            _singleMeasurementPending = false;
            _registers[0x0A] &= 0x10;
            StoreSample(SampleSignal(1e6));
            return;
        }

        if (rateHz == 0)
        {
            return;
        }

        long index = (long)Math.Floor(ChipElapsed().TotalSeconds * rateHz);
        if (index != _lastConversionIndex)
        {
            _lastConversionIndex = index;
            StoreSample(SampleSignal(rateHz));
        }
    }

    private void StoreSample(ReadOnlySpan<double> microtesla)
    {
        // DS §6.4.4 / §8.3.4: 0.6 µT/LSB in 14-bit output, 0.15 µT/LSB in 16-bit; little-endian two's complement.
        double lsbPerMicrotesla = SixteenBit ? 1 / 0.15 : 1 / 0.6;
        int bits = SixteenBit ? 16 : 14;
        Span<byte> data = _registers.AsSpan(0x03, 6);
        bool overflow = false;
        for (int axis = 0; axis < 3; axis++)
        {
            short code = ToCode(microtesla[axis], lsbPerMicrotesla, bits);
            overflow |= Math.Abs(microtesla[axis] * lsbPerMicrotesla) > (1 << (bits - 1)) - 1;
            BinaryPrimitives.WriteInt16LittleEndian(data[(2 * axis)..], code);
        }

        _registers[0x02] = 0x01; // DRDY
        // DS §8.3.5: ST2 carries BITM (output width) and HOFL (magnetic sensor overflow).
        _registers[0x09] = (byte)((SixteenBit ? 0x10 : 0) | (overflow ? 0x08 : 0));
    }
}
