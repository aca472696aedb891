using System.Device.Spi;
using System.Numerics;
using Iot.Device.Adxl345;

namespace EdgePrune.Sensors.Sources;

/// <summary>Accelerometer (g) from an ADXL345 on SPI through <see cref="Adxl345"/> (SPI mode 3, up to 5 MHz).</summary>
public sealed class Adxl345Source(SpiDevice device, GravityRange range = GravityRange.Range04) : ISensorSource
{
    private Adxl345? _driver;

    public string Name => "adxl345";

    public IReadOnlyList<SensorChannel> Channels { get; } = [new("ax", "g"), new("ay", "g"), new("az", "g")];

    public void Open() => _driver = new Adxl345(device, range);

    public void Read(Span<float> destination)
    {
        var driver = _driver ?? throw new InvalidOperationException("Open the ADXL345 source before reading it.");
        Vector3 g = driver.Acceleration;
        destination[0] = g.X;
        destination[1] = g.Y;
        destination[2] = g.Z;
    }

    public void Dispose() => device.Dispose();
}
