using EdgePrune.Simulation.Chips.Mpu6050;
using EdgePrune.Simulation.Signals;

namespace EdgePrune.Simulation.Chips.Mpu9250;

/// <summary>
/// An InvenSense MPU-9250: an MPU-6500 (accelerometer + gyroscope) with an AK8963 magnetometer on its auxiliary
/// I2C bus, reached only through the MPU's I2C master (I2C_SLVx registers, results in EXT_SENS_DATA). This is how
/// the <c>Iot.Device.Imu.Mpu9250</c> driver talks to it. Signal channels: ax, ay, az in g; gx, gy, gz in °/s;
/// mx, my, mz in µT, all in the accelerometer's axes. Register map: RM-MPU-9250A-00 rev 1.6 (RM).
/// </summary>
public sealed class Mpu9250Chip : Mpu6050Chip
{
    private readonly Ak8963Chip _magnetometer;

    public Mpu9250Chip(ISignalSource signal, TimeProvider clock, int busId = 1, int address = DefaultAddress)
        : base("MPU9250", signal, clock, busId, address)
    {
        if (signal.ChannelCount < 9)
        {
            throw new ArgumentException($"MPU9250 needs a signal with 9 channels (accelerometer, gyroscope, magnetometer), the source has {signal.ChannelCount}.", nameof(signal));
        }

        _magnetometer = new Ak8963Chip(new MagnetometerAxes(signal), clock);
    }

    /// <summary>The magnetometer on the auxiliary bus (its own faults can be injected there).</summary>
    public Ak8963Chip Magnetometer => _magnetometer;

    protected override byte WhoAmI => 0x71; // RM §4.35

    // RM §4.18: TEMP_degC = (TEMP_OUT - RoomTemp_Offset) / 333.87 + 21; this part's trimmed offset is 21 LSB.
    protected override short TemperatureCode(double celsius) => (short)Math.Round((celsius - 21.0) * 333.87 + 21.0);

    protected override void AfterWrite(byte address)
    {
        bool masterEnabled = (Registers[(int)Mpu6050Register.UserControl] & 0x20) != 0; // RM §4.26 I2C_MST_EN
        if (!masterEnabled)
        {
            return;
        }

        if (address == (byte)Mpu6050Register.I2cSlave0Control && (Registers[address] & 0x80) != 0)
        {
            Transfer(Registers[(int)Mpu6050Register.I2cSlave0Address], Registers[(int)Mpu6050Register.I2cSlave0Register],
                Registers[(int)Mpu6050Register.I2cSlave0DataOut], Registers[address] & 0x0F, (byte)Mpu6050Register.ExternalSensorData00);
        }
        else if (address == (byte)Mpu6050Register.I2cSlave4Control && (Registers[address] & 0x80) != 0)
        {
            Transfer(Registers[(int)Mpu6050Register.I2cSlave4Address], Registers[(int)Mpu6050Register.I2cSlave4Register],
                Registers[(int)Mpu6050Register.I2cSlave4DataOut], 1, (byte)Mpu6050Register.I2cSlave4DataIn);
            Registers[address] &= 0x7F; // RM §4.10: I2C_SLV4_EN clears when the single transfer is done
        }
    }

    /// <summary>RM §4.6–4.10: one auxiliary-bus transfer; a slave NACK sets I2C_SLVx_NACK in I2C_MST_STATUS instead of failing the host.</summary>
    private void Transfer(byte slaveAddressAndDirection, byte slaveRegister, byte dataOut, int length, byte destination)
    {
        int slaveAddress = slaveAddressAndDirection & 0x7F;
        bool read = (slaveAddressAndDirection & 0x80) != 0;
        if (slaveAddress != _magnetometer.ConnectionSettings.DeviceAddress)
        {
            Registers[(int)Mpu6050Register.I2cMasterStatus] |= 0x01;
            return;
        }

        try
        {
            if (read)
            {
                Span<byte> data = stackalloc byte[length];
                _magnetometer.WriteByte(slaveRegister);
                _magnetometer.Read(data);
                data.CopyTo(Registers.AsSpan(destination));
            }
            else
            {
                _magnetometer.Write([slaveRegister, dataOut]);
            }
        }
        catch (IOException)
        {
            Registers[(int)Mpu6050Register.I2cMasterStatus] |= 0x01;
        }
    }

    /// <summary>PS-MPU-9250A-01 §9.1: the AK8963's X is the accelerometer's Y, its Y the accelerometer's X, its Z the opposite.</summary>
    private sealed class MagnetometerAxes(ISignalSource body) : ISignalSource
    {
        public int ChannelCount => 3;

        public void Sample(TimeSpan time, Span<double> destination)
        {
            Span<double> all = stackalloc double[body.ChannelCount];
            body.Sample(time, all);
            destination[0] = all[7];
            destination[1] = all[6];
            destination[2] = -all[8];
        }
    }
}
