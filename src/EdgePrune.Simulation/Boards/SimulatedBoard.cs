using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Spi;
using EdgePrune.Sensors.Wiring;
using EdgePrune.Simulation.Bus;
using EdgePrune.Simulation.Chips.Adxl345;
using EdgePrune.Simulation.Chips.Ads1115;
using EdgePrune.Simulation.Chips.Bme280;
using EdgePrune.Simulation.Chips.Mpu6050;
using EdgePrune.Simulation.Chips.Mpu9250;
using EdgePrune.Simulation.Faults;
using EdgePrune.Simulation.Gpio;
using EdgePrune.Simulation.Signals;

namespace EdgePrune.Simulation.Boards;

/// <summary>
/// A board built from a wiring config with emulated chips at the wired buses and addresses and a virtual GPIO
/// chip. <see cref="SensorFactory"/> hands the chips to the production sources exactly where a Pi would hand them
/// <c>I2cDevice.Create</c>; <see cref="Gpio"/> is a production <see cref="GpioController"/> over <see cref="GpioDriver"/>.
/// </summary>
public sealed class SimulatedBoard : IDisposable
{
    private readonly Dictionary<(int Bus, int Address), EmulatedI2cDevice> _i2c = [];
    private readonly Dictionary<(int Bus, int ChipSelect), EmulatedSpiDevice> _spi = [];
    private readonly Dictionary<string, FaultInjector> _faults = [];

    /// <param name="signalFor">The physical signal each sensor (by wiring name) measures, in its chip's channel order.</param>
    public SimulatedBoard(WiringConfig wiring, Func<SensorWiring, ISignalSource> signalFor, TimeProvider clock)
    {
        Wiring = wiring;
        foreach (var sensor in wiring.Sensors)
        {
            var signal = signalFor(sensor);
            switch (sensor.Chip)
            {
                case "adxl345":
                    var spiChip = new Adxl345Chip(signal, clock, sensor.BusId, sensor.ChipSelect ?? 0);
                    _spi[(sensor.BusId, sensor.ChipSelect ?? 0)] = spiChip;
                    _faults[sensor.Name] = spiChip.Faults;
                    continue;
                default:
                    EmulatedI2cDevice chip = sensor.Chip switch
                    {
                        "mpu6050" => new Mpu6050Chip(signal, clock, sensor.BusId, sensor.I2cAddress),
                        "mpu9250" => new Mpu9250Chip(signal, clock, sensor.BusId, sensor.I2cAddress),
                        "bme280" => new Bme280Chip(signal, clock, null, sensor.BusId, sensor.I2cAddress),
                        "ads1115" => new Ads1115Chip(signal, clock, sensor.BusId, sensor.I2cAddress),
                        _ => throw new WiringException($"Sensor '{sensor.Name}': no emulation for chip '{sensor.Chip}'."),
                    };
                    _i2c[(sensor.BusId, sensor.I2cAddress)] = chip;
                    _faults[sensor.Name] = chip.Faults;
                    continue;
            }
        }

        GpioDriver = new VirtualGpioDriver(clock);
        Gpio = new GpioController(GpioDriver);
        SensorFactory = new SensorFactory(OpenI2c, OpenSpi);
    }

    public WiringConfig Wiring { get; }

    public SensorFactory SensorFactory { get; }

    public VirtualGpioDriver GpioDriver { get; }

    public GpioController Gpio { get; }

    /// <summary>The fault injector of the chip wired as <paramref name="sensorName"/>.</summary>
    public FaultInjector FaultsOf(string sensorName) =>
        _faults.TryGetValue(sensorName, out var faults) ? faults : throw new ArgumentException($"No sensor named '{sensorName}' on this board.", nameof(sensorName));

    public void Dispose() => Gpio.Dispose();

    // Opening an address nothing is wired to is a wiring mistake: report it when the source is built, naming the address.
    private I2cDevice OpenI2c(I2cConnectionSettings settings) =>
        _i2c.TryGetValue((settings.BusId, settings.DeviceAddress), out var chip)
            ? chip
            : throw new IOException($"Nothing answers at 0x{settings.DeviceAddress:X2} on simulated i2c-{settings.BusId}.");

    private SpiDevice OpenSpi(SpiConnectionSettings settings) =>
        _spi.TryGetValue((settings.BusId, settings.ChipSelectLine), out var chip)
            ? chip
            : throw new IOException($"Nothing is wired to CE{settings.ChipSelectLine} on simulated spi{settings.BusId}.");
}
