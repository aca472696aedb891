using System.Device.I2c;
using System.Device.Spi;
using EdgePrune.Sensors.Sources;
using Iot.Device.Ads1115;
using Iot.Device.Adxl345;
using Iot.Device.Imu;

namespace EdgePrune.Sensors.Wiring;

/// <summary>
/// Builds sources from wiring. The bus comes from the caller: on a Pi <c>I2cDevice.Create</c>/<c>SpiDevice.Create</c>
/// (see <see cref="Hardware"/>), in simulation the emulated chips; the source code path is the same.
/// </summary>
public sealed class SensorFactory(Func<I2cConnectionSettings, I2cDevice> openI2c, Func<SpiConnectionSettings, SpiDevice> openSpi)
{
    /// <summary>The real buses of a Linux board (/dev/i2c-N, /dev/spidevN.M).</summary>
    public static SensorFactory Hardware { get; } = new(I2cDevice.Create, SpiDevice.Create);

    public ISensorSource Create(SensorWiring wiring)
    {
        switch (wiring.Chip)
        {
            case "mpu6050":
                return new Mpu6050Source(OpenI2c(wiring), ParseAccelerometerRange(wiring.AccelerometerRange ?? "4g")!.Value, ParseGyroscopeRange(wiring.GyroscopeRange ?? "500dps")!.Value);
            case "mpu9250":
                return new Mpu9250Source(OpenI2c(wiring), ParseAccelerometerRange(wiring.AccelerometerRange ?? "4g")!.Value, ParseGyroscopeRange(wiring.GyroscopeRange ?? "500dps")!.Value);
            case "adxl345":
                var spi = openSpi(new SpiConnectionSettings(wiring.BusId, wiring.ChipSelect ?? 0) { Mode = SpiMode.Mode3, ClockFrequency = 5_000_000 });
                return new Adxl345Source(spi, ParseGravityRange(wiring.AccelerometerRange ?? "4g"));
            case "bme280":
                return new Bme280Source(OpenI2c(wiring));
            case "ads1115":
                var inputs = (wiring.Inputs ?? ["AIN0"]).Select(Enum.Parse<InputMultiplexer>).ToArray();
                return new Ads1115Source(OpenI2c(wiring), inputs, ParseMeasuringRange(wiring.FullScaleVolts ?? 4.096)!.Value);
            default:
                throw new WiringException($"Sensor '{wiring.Name}': chip '{wiring.Chip}' is not supported.");
        }
    }

    internal static AccelerometerRange? ParseAccelerometerRange(string text) => text switch
    {
        "2g" => AccelerometerRange.Range02G,
        "4g" => AccelerometerRange.Range04G,
        "8g" => AccelerometerRange.Range08G,
        "16g" => AccelerometerRange.Range16G,
        _ => null,
    };

    internal static GyroscopeRange? ParseGyroscopeRange(string text) => text switch
    {
        "250dps" => GyroscopeRange.Range0250Dps,
        "500dps" => GyroscopeRange.Range0500Dps,
        "1000dps" => GyroscopeRange.Range1000Dps,
        "2000dps" => GyroscopeRange.Range2000Dps,
        _ => null,
    };

    internal static MeasuringRange? ParseMeasuringRange(double volts) => volts switch
    {
        6.144 => MeasuringRange.FS6144,
        4.096 => MeasuringRange.FS4096,
        2.048 => MeasuringRange.FS2048,
        1.024 => MeasuringRange.FS1024,
        0.512 => MeasuringRange.FS0512,
        0.256 => MeasuringRange.FS0256,
        _ => null,
    };

    private static GravityRange ParseGravityRange(string text) => ParseAccelerometerRange(text) switch
    {
        AccelerometerRange.Range02G => GravityRange.Range02,
        AccelerometerRange.Range08G => GravityRange.Range08,
        AccelerometerRange.Range16G => GravityRange.Range16,
        _ => GravityRange.Range04,
    };

    private I2cDevice OpenI2c(SensorWiring wiring) => openI2c(new I2cConnectionSettings(wiring.BusId, wiring.I2cAddress));
}
