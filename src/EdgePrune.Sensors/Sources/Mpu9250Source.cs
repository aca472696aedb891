using System.Device.I2c;
using System.Numerics;
using Iot.Device.Imu;
using Iot.Device.Magnetometer;

namespace EdgePrune.Sensors.Sources;

/// <summary>Accelerometer (g), gyroscope (°/s) and magnetometer (µT, continuous 100 Hz, 16-bit) from an MPU-9250 through <see cref="Mpu9250"/>.</summary>
public sealed class Mpu9250Source(I2cDevice device, AccelerometerRange accelerometerRange = AccelerometerRange.Range04G,
    GyroscopeRange gyroscopeRange = GyroscopeRange.Range0500Dps) : ISensorSource
{
    private Mpu9250? _driver;

    public string Name => "mpu9250";

    public IReadOnlyList<SensorChannel> Channels { get; } =
        [.. ImuChannels.AccelerometerAndGyroscope, new("mx", "uT"), new("my", "uT"), new("mz", "uT")];

    public void Open()
    {
        _driver = new Mpu9250(device, shouldDispose: false)
        {
            AccelerometerRange = accelerometerRange,
            GyroscopeRange = gyroscopeRange,
            MagnetometerOutputBitMode = OutputBitMode.Output16bit,
            MagnetometerMeasurementMode = MeasurementMode.ContinuousMeasurement100Hz,
        };
    }

    public void Read(Span<float> destination)
    {
        var driver = _driver ?? throw new InvalidOperationException("Open the MPU9250 source before reading it.");
        ImuChannels.Write(driver.GetAccelerometer() / Mpu6050Source.DriverGravity, driver.GetGyroscopeReading(), destination);
        // The magnetometer runs at 100 Hz: between its samples the last one stands, rather than blocking the sampler.
        Vector3 field = driver.ReadMagnetometerWithoutCorrection(waitForData: false);
        destination[6] = field.X;
        destination[7] = field.Y;
        destination[8] = field.Z;
    }

    public void Dispose() => device.Dispose();
}
