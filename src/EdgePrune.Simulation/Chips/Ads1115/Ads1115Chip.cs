using EdgePrune.Simulation.Bus;
using EdgePrune.Simulation.Signals;

namespace EdgePrune.Simulation.Chips.Ads1115;

/// <summary>
/// A Texas Instruments ADS1115 16-bit ADC at register level, for the unchanged <c>Iot.Device.Ads1115.Ads1115</c>
/// driver. Signal channels: AIN0..AIN3 in volts against GND. Datasheet: ADS111x SBAS444D (DS), §9.5–9.6.
/// </summary>
public sealed class Ads1115Chip : EmulatedI2cDevice
{
    public const int DefaultAddress = 0x48;

    private const byte Conversion = 0;
    private const byte Config = 1;
    private const byte LowThreshold = 2;
    private const byte HighThreshold = 3;

    // DS Table 8: PGA full-scale per code 0..7 (6, 7 repeat ±0.256 V).
    private static readonly double[] FullScaleVolts = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256];

    // DS Table 8: data rate per DR code, samples per second.
    private static readonly double[] DataRates = [8, 16, 32, 64, 128, 250, 475, 860];

    private readonly ushort[] _registers = new ushort[4];
    private bool _conversionBusy;
    private int _byteInRegister;

    public Ads1115Chip(ISignalSource signal, TimeProvider clock, int busId = 1, int address = DefaultAddress)
        : base("ADS1115", busId, address, signal, 4, clock)
    {
        PowerOnReset();
    }

    public ushort ConfigRegister => _registers[Config];

    public bool SingleShotMode => (_registers[Config] & 0x0100) != 0;

    protected override void PowerOnReset()
    {
        // DS §9.6: reset values of the four 16-bit registers.
        _registers[Conversion] = 0x0000;
        _registers[Config] = 0x8583;
        _registers[LowThreshold] = 0x8000;
        _registers[HighThreshold] = 0x7FFF;
        _conversionBusy = false;
    }

    // The pointer register selects one 16-bit register; bytes then go MSB first and a longer transfer repeats it.
    protected override byte NextAddress(byte address) => address;

    protected override void PointerWritten(byte address) => _byteInRegister = 0;

    protected override void BeginRead(byte address) => _byteInRegister = 0;

    protected override void WriteRegister(byte pointer, byte value)
    {
        int register = pointer & 0x03;
        ushort current = _registers[register];
        ushort updated = _byteInRegister == 0 ? (ushort)((value << 8) | (current & 0x00FF)) : (ushort)((current & 0xFF00) | value);
        _byteInRegister ^= 1;
        if (register == Conversion)
        {
            return;
        }

        if (register == Config && _byteInRegister == 0)
        {
            bool startSingle = (updated & 0x8000) != 0;
            _registers[Config] = (ushort)(updated | 0x8000);
            if (startSingle || !SingleShotMode)
            {
                Convert();
                // DS §9.4.2: OS reads 0 while the conversion runs; the conversion time is not emulated, it ends at the next poll.
                _conversionBusy = startSingle && SingleShotMode;
            }

            return;
        }

        _registers[register] = updated;
    }

    protected override byte ReadRegister(byte pointer)
    {
        int register = pointer & 0x03;
        if (register == Conversion && !SingleShotMode && _byteInRegister == 0)
        {
            Convert();
        }

        ushort value = _registers[register];
        if (register == Config && _conversionBusy)
        {
            value &= 0x7FFF;
            if (_byteInRegister == 1)
            {
                _conversionBusy = false;
            }
        }

        byte result = _byteInRegister == 0 ? (byte)(value >> 8) : (byte)value;
        _byteInRegister ^= 1;
        return result;
    }

    private void Convert()
    {
        ushort config = _registers[Config];
        int mux = (config >> 12) & 0x7;
        double fullScale = FullScaleVolts[(config >> 9) & 0x7];
        double rate = DataRates[(config >> 5) & 0x7];
        ReadOnlySpan<double> ain = SampleSignal(rate);
        // DS Table 8, MUX[2:0]: four differential pairs, then each input against GND.
        double volts = mux switch
        {
            0 => ain[0] - ain[1],
            1 => ain[0] - ain[3],
            2 => ain[1] - ain[3],
            3 => ain[2] - ain[3],
            _ => ain[mux - 4],
        };
        // DS §9.3.3: LSB = FS / 2^15, output clipped at 0x7FFF / 0x8000.
        _registers[Conversion] = (ushort)ToCode(volts, 32768.0 / fullScale);
    }
}
