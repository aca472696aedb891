using System.Buffers.Binary;
using EdgePrune.Simulation.Bus;
using EdgePrune.Simulation.Signals;

namespace EdgePrune.Simulation.Chips.Mpu6050;

/// <summary>
/// An InvenSense MPU-6050 (3-axis accelerometer + gyroscope) at register level, for the unchanged
/// <c>Iot.Device.Imu.Mpu6050</c> driver. Signal channels: ax, ay, az in g; gx, gy, gz in °/s.
/// Datasheet: MPU-6000/MPU-6050 Product Specification PS-MPU-6000A-00 rev 3.4 (PS) and Register Map rev 4.2 (RM).
/// </summary>
public class Mpu6050Chip : EmulatedI2cDevice
{
    public const int DefaultAddress = 0x68;

    // PS §6.2: gyro sensitivity per FS_SEL 0..3 in LSB/(°/s); the datasheet rounds, it is not 32768/full-scale.
    private static readonly double[] GyroSensitivity = [131.0, 65.5, 32.8, 16.4];

    // PS §6.2: accelerometer sensitivity per AFS_SEL 0..3 in LSB/g.
    private static readonly double[] AccelSensitivity = [16384.0, 8192.0, 4096.0, 2048.0];

    private readonly byte[] _registers = new byte[128];
    private readonly byte[] _dataShadow = new byte[14];
    private long _lastConversionIndex = -1;

    public Mpu6050Chip(ISignalSource signal, TimeProvider clock, int busId = 1, int address = DefaultAddress)
        : this("MPU6050", signal, clock, busId, address)
    {
    }

    protected Mpu6050Chip(string chipName, ISignalSource signal, TimeProvider clock, int busId, int address)
        : base(chipName, busId, address, signal, 6, clock)
    {
        PowerOnReset();
    }

    /// <summary>Die temperature reported in TEMP_OUT, in °C.</summary>
    public double TemperatureCelsius { get; set; } = 25.0;

    /// <summary>Full-scale range code (AFS_SEL, RM §4.5) currently set by the driver.</summary>
    public int AccelerometerFullScaleSelect => (_registers[(int)Mpu6050Register.AccelConfig] >> 3) & 0x3;

    /// <summary>Full-scale range code (FS_SEL, RM §4.4) currently set by the driver.</summary>
    public int GyroscopeFullScaleSelect => (_registers[(int)Mpu6050Register.GyroConfig] >> 3) & 0x3;

    public bool IsSleeping => (_registers[(int)Mpu6050Register.PowerManagement1] & 0x40) != 0;

    protected virtual byte WhoAmI => 0x68;

    /// <summary>Output data rate in Hz, RM §4.2: gyro rate (8 kHz with the DLPF off, else 1 kHz) / (1 + SMPLRT_DIV).</summary>
    public double OutputDataRateHz
    {
        get
        {
            int dlpf = _registers[(int)Mpu6050Register.Config] & 0x7;
            double gyroRate = dlpf is 0 or 7 ? 8000.0 : 1000.0;
            return gyroRate / (1 + _registers[(int)Mpu6050Register.SampleRateDivider]);
        }
    }

    protected byte[] Registers => _registers;

    protected override void PowerOnReset()
    {
        Array.Clear(_registers);
        Array.Clear(_dataShadow);
        _lastConversionIndex = -1;
        // RM §3: every register resets to 0x00 except PWR_MGMT_1 (0x40: asleep) and WHO_AM_I.
        _registers[(int)Mpu6050Register.PowerManagement1] = 0x40;
        _registers[(int)Mpu6050Register.WhoAmI] = WhoAmI;
    }

    protected override void WriteRegister(byte address, byte value)
    {
        switch ((Mpu6050Register)address)
        {
            case Mpu6050Register.WhoAmI:
            case Mpu6050Register.IntStatus:
                return;
            case Mpu6050Register.PowerManagement1 when (value & 0x80) != 0:
                // RM §4.28: DEVICE_RESET restores every register and clears itself.
                PowerOnReset();
                return;
            default:
                if (address < _registers.Length)
                {
                    _registers[address] = value;
                }

                AfterWrite(address);
                return;
        }
    }

    /// <summary>Hook for chips built on this one (the MPU-9250's I2C master starts transfers on control writes).</summary>
    protected virtual void AfterWrite(byte address)
    {
    }

    protected override void BeginRead(byte address)
    {
        if (address <= (byte)Mpu6050Register.GyroZoutL && address >= (byte)Mpu6050Register.IntStatus)
        {
            LatchSample();
        }
    }

    protected override byte ReadRegister(byte address)
    {
        if (address >= (byte)Mpu6050Register.AccelXoutH && address <= (byte)Mpu6050Register.GyroZoutL)
        {
            return _dataShadow[address - (byte)Mpu6050Register.AccelXoutH];
        }

        if (address == (byte)Mpu6050Register.IntStatus)
        {
            // RM §4.16: DATA_RDY_INT is cleared by reading INT_STATUS.
            byte status = _registers[address];
            _registers[address] = 0;
            return status;
        }

        return address < _registers.Length ? _registers[address] : (byte)0;
    }

    protected virtual short TemperatureCode(double celsius) => (short)Math.Round((celsius - 36.53) * 340.0); // RM §4.18

    private void LatchSample()
    {
        if (IsSleeping)
        {
            // PS §7: in sleep mode the sensor registers keep their last values.
            return;
        }

        double odr = OutputDataRateHz;
        long conversionIndex = (long)Math.Floor(ChipElapsed().TotalSeconds * odr);
        if (conversionIndex != _lastConversionIndex)
        {
            _registers[(int)Mpu6050Register.IntStatus] |= 0x01;
            _lastConversionIndex = conversionIndex;
        }

        ReadOnlySpan<double> s = SampleSignal(odr);
        double accelLsb = AccelSensitivity[AccelerometerFullScaleSelect];
        double gyroLsb = GyroSensitivity[GyroscopeFullScaleSelect];
        Span<byte> shadow = _dataShadow;
        // RM §4.17–4.19: big-endian two's complement, X/Y/Z, then temperature, then gyro X/Y/Z.
        for (int axis = 0; axis < 3; axis++)
        {
            BinaryPrimitives.WriteInt16BigEndian(shadow[(2 * axis)..], ToCode(s[axis], accelLsb));
            BinaryPrimitives.WriteInt16BigEndian(shadow[(8 + 2 * axis)..], ToCode(s[3 + axis], gyroLsb));
        }

        BinaryPrimitives.WriteInt16BigEndian(shadow[6..], TemperatureCode(TemperatureCelsius));
    }
}
