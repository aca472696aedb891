using System.Device.I2c;
using Iot.Device.Ads1115;

namespace EdgePrune.Sensors.Sources;

/// <summary>Voltages (V) of the chosen ADS1115 inputs, one channel each, read in turn through <see cref="Ads1115"/>.</summary>
public sealed class Ads1115Source : ISensorSource
{
    private readonly I2cDevice _device;
    private readonly InputMultiplexer[] _inputs;
    private readonly MeasuringRange _range;
    private readonly DataRate _rate;
    private Ads1115? _driver;

    public Ads1115Source(I2cDevice device, IReadOnlyList<InputMultiplexer> inputs, MeasuringRange range = MeasuringRange.FS4096, DataRate rate = DataRate.SPS860)
    {
        if (inputs.Count == 0)
        {
            throw new ArgumentException("An ADS1115 source needs at least one input.", nameof(inputs));
        }

        _device = device;
        _inputs = [.. inputs];
        _range = range;
        _rate = rate;
        Channels = _inputs.Select(input => new SensorChannel(input.ToString(), "V")).ToArray();
    }

    public string Name => "ads1115";

    public IReadOnlyList<SensorChannel> Channels { get; }

    // Single-shot mode: each read converts the requested input, as the driver recommends when switching inputs.
    public void Open() => _driver = new Ads1115(_device, _inputs[0], _range, _rate, DeviceMode.PowerDown);

    public void Read(Span<float> destination)
    {
        var driver = _driver ?? throw new InvalidOperationException("Open the ADS1115 source before reading it.");
        for (int i = 0; i < _inputs.Length; i++)
        {
            destination[i] = (float)driver.ReadVoltage(_inputs[i]).Volts;
        }
    }

    public void Dispose() => _device.Dispose();
}
