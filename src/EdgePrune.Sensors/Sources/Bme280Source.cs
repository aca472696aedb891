using System.Device.I2c;
using Iot.Device.Bmxx80;
using Oversampling = Iot.Device.Bmxx80.Sampling;

namespace EdgePrune.Sensors.Sources;

/// <summary>Temperature (°C), pressure (hPa) and relative humidity (%) from a BME280 through <see cref="Bme280"/> in forced mode.</summary>
public sealed class Bme280Source(I2cDevice device, Oversampling oversampling = Oversampling.Standard) : ISensorSource
{
    private Bme280? _driver;

    public string Name => "bme280";

    public IReadOnlyList<SensorChannel> Channels { get; } = [new("temperature", "degC"), new("pressure", "hPa"), new("humidity", "%RH")];

    public void Open()
    {
        _driver = new Bme280(device)
        {
            TemperatureSampling = oversampling,
            PressureSampling = oversampling,
            HumiditySampling = oversampling,
        };
    }

    public void Read(Span<float> destination)
    {
        var driver = _driver ?? throw new InvalidOperationException("Open the BME280 source before reading it.");
        var result = driver.Read();
        if (result.Temperature is not { } temperature || result.Pressure is not { } pressure || result.Humidity is not { } humidity)
        {
            throw new IOException("BME280 returned no measurement (a channel reads as skipped).");
        }

        destination[0] = (float)temperature.DegreesCelsius;
        destination[1] = (float)pressure.Hectopascals;
        destination[2] = (float)humidity.Percent;
    }

    public void Dispose() => device.Dispose();
}
