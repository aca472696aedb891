using System.Numerics;
using EdgePrune.Simulation.Bus;
using EdgePrune.Simulation.Chips.Adxl345;
using EdgePrune.Simulation.Chips.Ads1115;
using EdgePrune.Simulation.Chips.Bme280;
using EdgePrune.Simulation.Chips.Mpu9250;
using EdgePrune.Simulation.Signals;
using EdgePrune.Simulation.Time;
using Iot.Device.Ads1115;
using Iot.Device.Adxl345;
using Iot.Device.Bmxx80;
using Oversampling = Iot.Device.Bmxx80.Sampling;
using Iot.Device.Bmxx80.FilteringMode;
using Iot.Device.Imu;
using Iot.Device.Magnetometer;
using UnitsNet;
using static EdgePrune.Sensors.Tests.Simulation.Mpu6050ChipTests;

namespace EdgePrune.Sensors.Tests.Simulation;

public class Adxl345ChipTests
{
    [Theory]
    [InlineData(GravityRange.Range02, 2.0)]
    [InlineData(GravityRange.Range04, 4.0)]
    [InlineData(GravityRange.Range08, 8.0)]
    [InlineData(GravityRange.Range16, 16.0)]
    public void Readings_match_the_fed_values_within_one_lsb_for_every_range(GravityRange range, double fullScaleG)
    {
        var signal = new SettableSignal(0, 0, 1);
        var chip = new Adxl345Chip(signal, new VirtualTimeProvider()) { Traffic = new BusTrafficLog() };
        using var driver = new Adxl345(chip, range);
        Assert.True(chip.Measuring);
        Assert.Equal((int)range, chip.RangeCode);
        // DS Table 1, 10-bit mode: 256 LSB/g at ±2 g, halving per range step.
        double lsb = fullScaleG / 512.0;
        var random = new Random(7 + (int)range);
        for (int trial = 0; trial < 20; trial++)
        {
            double[] fed = [(random.NextDouble() * 2 - 1) * fullScaleG * 0.99, (random.NextDouble() * 2 - 1) * fullScaleG * 0.99, (random.NextDouble() * 2 - 1) * fullScaleG * 0.99];
            signal.Set(fed);
            Vector3 g = driver.Acceleration;
            AssertClose(fed[0], g.X, lsb);
            AssertClose(fed[1], g.Y, lsb);
            AssertClose(fed[2], g.Z, lsb);
        }

        Assert.Contains(chip.Traffic!.Transactions, t => t.IsRead && t.Address == 0x32 && t.Data.Length == 6);
    }
}

public class Ads1115ChipTests
{
    public static TheoryData<MeasuringRange, DeviceMode> Settings()
    {
        var data = new TheoryData<MeasuringRange, DeviceMode>();
        foreach (var range in Enum.GetValues<MeasuringRange>())
        {
            data.Add(range, DeviceMode.PowerDown);
            data.Add(range, DeviceMode.Continuous);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void Readings_match_the_fed_voltages_within_one_lsb_for_every_range_and_mode(MeasuringRange range, DeviceMode mode)
    {
        var signal = new SettableSignal(0, 0, 0, 0);
        var chip = new Ads1115Chip(signal, new VirtualTimeProvider());
        using var adc = new Ads1115(chip, InputMultiplexer.AIN0, range, DataRate.SPS860, mode);
        double fullScale = adc.MaxVoltageFromMeasuringRange(range).Volts;
        double lsb = fullScale / 32768.0;
        var random = new Random(11 + (int)range);
        for (int trial = 0; trial < 10; trial++)
        {
            double[] fed = [random.NextDouble() * fullScale * 0.99, random.NextDouble() * fullScale * 0.99, random.NextDouble() * fullScale * 0.99, random.NextDouble() * fullScale * 0.5];
            signal.Set(fed);
            AssertClose(fed[0], adc.ReadVoltage(InputMultiplexer.AIN0).Volts, lsb);
            AssertClose(fed[2], adc.ReadVoltage(InputMultiplexer.AIN2).Volts, lsb);
            AssertClose(fed[1] - fed[3], adc.ReadVoltage(InputMultiplexer.AIN1_AIN3).Volts, lsb);
        }
    }

    [Fact]
    public void Voltages_beyond_full_scale_clip_at_the_code_limits()
    {
        var signal = new SettableSignal(5.0, 0, 0, 0);
        var chip = new Ads1115Chip(signal, new VirtualTimeProvider());
        using var adc = new Ads1115(chip, InputMultiplexer.AIN0, MeasuringRange.FS2048, DataRate.SPS128, DeviceMode.PowerDown);
        Assert.Equal(short.MaxValue, adc.ReadRaw());
    }
}

public class Bme280ChipTests
{
    public static TheoryData<Oversampling, Bmx280FilteringMode> Settings()
    {
        var data = new TheoryData<Oversampling, Bmx280FilteringMode>();
        foreach (var sampling in Enum.GetValues<Oversampling>().Where(s => s != Oversampling.Skipped))
        {
            data.Add(sampling, Bmx280FilteringMode.Off);
        }

        data.Add(Oversampling.Standard, Bmx280FilteringMode.X16);
        return data;
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void Readings_round_trip_through_the_bosch_compensation_for_every_oversampling(Oversampling sampling, Bmx280FilteringMode filter)
    {
        var signal = new SettableSignal(20.0, 1013.25, 45.0);
        var chip = new Bme280Chip(signal, new VirtualTimeProvider()) { Traffic = new BusTrafficLog() };
        using var driver = new Bme280(chip)
        {
            TemperatureSampling = sampling,
            PressureSampling = sampling,
            HumiditySampling = sampling,
            FilterMode = filter,
        };
        Assert.Contains(chip.Traffic!.Transactions, t => t.IsRead && t.Address == 0xD0 && t.Data[0] == 0x60);
        Assert.Contains(chip.Traffic.Transactions, t => t.IsRead && t.Address == 0x88 || t.IsRead && t.Address == 0xE1);

        // DS Table 4/5 (×1, 16-bit): 0.0050 °C and 2.62 Pa per LSB at worst; the driver's integer compensation rounds to 0.01 °C.
        // Humidity: 16-bit ADC, 0.008 %RH per code (DS §3.4.2), the driver's integer humidity is in 1/1024 %RH.
        var random = new Random(3 + (int)sampling);
        for (int trial = 0; trial < 8; trial++)
        {
            double t = -20 + random.NextDouble() * 60;
            double p = 800 + random.NextDouble() * 300;
            double h = 5 + random.NextDouble() * 90;
            signal.Set(t, p, h);
            var result = driver.Read();
            AssertClose(t, result.Temperature!.Value.DegreesCelsius, 0.011);
            AssertClose(p, result.Pressure!.Value.Hectopascals, 0.03);
            AssertClose(h, result.Humidity!.Value.Percent, 0.02);
        }
    }
}

public class Mpu9250ChipTests
{
    [Fact]
    public void Production_driver_reaches_the_ak8963_through_the_i2c_master_and_reads_all_nine_axes()
    {
        var signal = new SettableSignal(0.1, -0.2, 0.98, 10, -20, 30, 25, -12, 40);
        var chip = new Mpu9250Chip(signal, new VirtualTimeProvider());
        using var driver = new Mpu9250(chip);
        driver.MagnetometerOutputBitMode = OutputBitMode.Output16bit;
        driver.MagnetometerMeasurementMode = MeasurementMode.ContinuousMeasurement100Hz;

        foreach (var range in Enum.GetValues<AccelerometerRange>())
        {
            driver.AccelerometerRange = range;
            Vector3 accel = driver.GetAccelerometer();
            double lsb = (2 << (int)range) / 32768.0 * 9.807;
            AssertClose(0.1 * 9.807, accel.X, lsb);
            AssertClose(0.98 * 9.807, accel.Z, lsb);
        }

        Vector3 gyro = driver.GetGyroscopeReading();
        AssertClose(-20, gyro.Y, 250 / 32768.0 + 0.02);

        Vector3 mag = driver.ReadMagnetometerWithoutCorrection(waitForData: true);
        // AK8963 DS §8.3.4: 0.15 µT/LSB at 16 bits; the driver uses 4912/32760, 0.04 % lower.
        AssertClose(25, mag.X, 0.15 + 0.02);
        AssertClose(-12, mag.Y, 0.15 + 0.02);
        AssertClose(40, mag.Z, 0.15 + 0.02);

        driver.MagnetometerOutputBitMode = OutputBitMode.Output14bit;
        signal.Set(0, 0, 1, 0, 0, 0, -100, 300, -200);
        ((VirtualTimeProvider)chip.Clock).Advance(TimeSpan.FromMilliseconds(20));
        mag = driver.ReadMagnetometerWithoutCorrection(waitForData: true);
        AssertClose(-100, mag.X, 0.6 + 0.2);
        AssertClose(300, mag.Y, 0.6 + 0.2);
        AssertClose(-200, mag.Z, 0.6 + 0.2);
    }

    [Fact]
    public void Temperature_uses_the_mpu9250_encoding()
    {
        var chip = new Mpu9250Chip(new SettableSignal(0, 0, 1, 0, 0, 0, 0, 0, 0), new VirtualTimeProvider()) { TemperatureCelsius = 31.5 };
        using var driver = new Mpu9250(chip);
        AssertClose(31.5, driver.GetTemperature().DegreesCelsius, 1 / 333.87);
    }
}
