using System.Device.I2c;
using System.Numerics;
using Iot.Device.Imu;

namespace EdgePrune.Sensors.Sources;

/// <summary>
/// Accelerometer (g) and gyroscope (°/s) from an MPU-6050 through <see cref="Mpu6050"/>. On a Pi:
/// <c>new Mpu6050Source(I2cDevice.Create(new I2cConnectionSettings(1, 0x68)), ...)</c>.
/// </summary>
public sealed class Mpu6050Source(I2cDevice device, AccelerometerRange accelerometerRange = AccelerometerRange.Range04G,
    GyroscopeRange gyroscopeRange = GyroscopeRange.Range0500Dps) : ISensorSource
{
    // The driver scales g to m/s² with its own constant; dividing by the same one gives back g exactly.
    internal const float DriverGravity = 9.807f;

    private Mpu6050? _driver;

    public string Name => "mpu6050";

    public IReadOnlyList<SensorChannel> Channels { get; } = ImuChannels.AccelerometerAndGyroscope;

    public void Open()
    {
        // The driver's Dispose would close the bus we were given; a re-open builds a new driver on the same bus instead.
        _driver = new Mpu6050(device)
        {
            AccelerometerRange = accelerometerRange,
            GyroscopeRange = gyroscopeRange,
        };
    }

    public void Read(Span<float> destination)
    {
        var driver = _driver ?? throw new InvalidOperationException("Open the MPU6050 source before reading it.");
        Vector3 acceleration = driver.GetAccelerometer() / DriverGravity;
        Vector3 rotation = driver.GetGyroscopeReading();
        ImuChannels.Write(acceleration, rotation, destination);
    }

    public void Dispose() => device.Dispose();
}

internal static class ImuChannels
{
    public static IReadOnlyList<SensorChannel> AccelerometerAndGyroscope { get; } =
    [
        new("ax", "g"), new("ay", "g"), new("az", "g"),
        new("gx", "deg/s"), new("gy", "deg/s"), new("gz", "deg/s"),
    ];

    public static void Write(Vector3 acceleration, Vector3 rotation, Span<float> destination)
    {
        destination[0] = acceleration.X;
        destination[1] = acceleration.Y;
        destination[2] = acceleration.Z;
        destination[3] = rotation.X;
        destination[4] = rotation.Y;
        destination[5] = rotation.Z;
    }
}
