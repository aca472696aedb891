using EdgePrune.Simulation.Bus;
using EdgePrune.Simulation.Signals;

namespace EdgePrune.Simulation.Chips.Bme280;

/// <summary>
/// A Bosch BME280 (temperature, pressure, humidity) at register level on I2C, for the unchanged
/// <c>Iot.Device.Bmxx80.Bme280</c> driver. Signal channels: temperature in °C, pressure in hPa, relative humidity in %.
/// The chip stores raw ADC codes that the driver's compensation (with this chip's trimming words) turns back into
/// the fed values. Datasheet: BST-BME280-DS002 rev 1.6 (DS), §3, §4, §5.
/// </summary>
public sealed class Bme280Chip : EmulatedI2cDevice
{
    public const int DefaultAddress = 0x77;

    private const byte ChipIdRegister = 0xD0;
    private const byte ResetRegister = 0xE0;
    private const byte ControlHumidity = 0xF2;
    private const byte Status = 0xF3;
    private const byte ControlMeasurement = 0xF4;
    private const byte ConfigRegister = 0xF5;
    private const byte DataStart = 0xF7;

    private readonly byte[] _registers = new byte[256];
    private readonly Bme280Calibration _calibration;

    public Bme280Chip(ISignalSource signal, TimeProvider clock, Bme280Calibration? calibration = null, int busId = 1, int address = DefaultAddress)
        : base("BME280", busId, address, signal, 3, clock)
    {
        _calibration = calibration ?? Bme280Calibration.Typical;
        PowerOnReset();
    }

    public Bme280Calibration Calibration => _calibration;

    /// <summary>ctrl_meas mode[1:0], DS §5.4.5: 0 sleep, 1/2 forced, 3 normal.</summary>
    public int PowerMode => _registers[ControlMeasurement] & 0x03;

    public int TemperatureOversampling => (_registers[ControlMeasurement] >> 5) & 0x07;

    public int PressureOversampling => (_registers[ControlMeasurement] >> 2) & 0x07;

    public int HumidityOversampling => _registers[ControlHumidity] & 0x07;

    public int FilterCoefficientCode => (_registers[ConfigRegister] >> 2) & 0x07;

    protected override void PowerOnReset()
    {
        Array.Clear(_registers);
        _registers[ChipIdRegister] = 0x60; // DS §5.4.1
        var (block1, block2) = _calibration.ToRegisters();
        block1.CopyTo(_registers, 0x88);
        block2.CopyTo(_registers, 0xE1);
        // DS §5.4.7–5.4.9: data registers reset to 0x80000 (skipped/invalid) and humidity to 0x8000.
        _registers[0xF7] = 0x80;
        _registers[0xFA] = 0x80;
        _registers[0xFD] = 0x80;
    }

    protected override void WriteRegister(byte address, byte value)
    {
        switch (address)
        {
            case ResetRegister when value == 0xB6:
                PowerOnReset(); // DS §5.4.2
                return;
            case ControlHumidity:
                _registers[address] = (byte)(value & 0x07);
                return;
            case ControlMeasurement:
                _registers[address] = value;
                if ((value & 0x03) is 1 or 2)
                {
                    // DS §3.3.3 forced mode: one measurement, then back to sleep. The measurement time is not emulated.
                    Measure();
                    _registers[address] = (byte)(value & 0xFC);
                }

                return;
            case ConfigRegister:
                _registers[address] = (byte)(value & 0xFD);
                return;
        }
    }

    protected override void BeginRead(byte address)
    {
        if (PowerMode == 3 && address >= DataStart)
        {
            Measure();
        }
    }

    protected override byte ReadRegister(byte address) => address == Status ? (byte)0 : _registers[address];

    private void Measure()
    {
        double standby = StandbyMilliseconds((_registers[ConfigRegister] >> 5) & 0x07);
        ReadOnlySpan<double> values = SampleSignal(PowerMode == 3 ? 1000.0 / standby : 1000.0);
        bool filtered = FilterCoefficientCode != 0;
        int temperatureOversampling = TemperatureOversampling;
        int pressureOversampling = PressureOversampling;
        int humidityOversampling = HumidityOversampling;

        double tFine = _calibration.CompensateTemperature(_calibration.RawTemperature(values[0], 20)).TFine;
        // DS §3.4.3: 16 bits at ×1, one more per oversampling step; with the IIR filter on, 20 bits.
        if (temperatureOversampling != 0)
        {
            int code = _calibration.RawTemperature(values[0], ResolutionBits(temperatureOversampling, filtered));
            Store20(0xFA, code);
        }
        else
        {
            Store20(0xFA, 0x80000);
        }

        Store20(0xF7, pressureOversampling != 0
            ? _calibration.RawPressure(values[1] * 100.0, tFine, ResolutionBits(pressureOversampling, filtered))
            : 0x80000);

        int humidity = humidityOversampling != 0 ? _calibration.RawHumidity(values[2], tFine) : 0x8000;
        _registers[0xFD] = (byte)(humidity >> 8);
        _registers[0xFE] = (byte)humidity;
    }

    private static int ResolutionBits(int oversamplingCode, bool filtered) =>
        filtered ? 20 : Math.Min(20, 16 + Math.Min(oversamplingCode, 5) - 1);

    private static double StandbyMilliseconds(int code) => code switch
    {
        0 => 0.5,
        1 => 62.5,
        2 => 125,
        3 => 250,
        4 => 500,
        5 => 1000,
        6 => 10,
        _ => 20,
    };

    // DS §5.4.7: msb, lsb, xlsb[7:4].
    private void Store20(byte address, int code)
    {
        _registers[address] = (byte)(code >> 12);
        _registers[address + 1] = (byte)(code >> 4);
        _registers[address + 2] = (byte)((code & 0x0F) << 4);
    }
}
