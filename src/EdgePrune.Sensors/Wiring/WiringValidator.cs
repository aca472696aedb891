namespace EdgePrune.Sensors.Wiring;

/// <summary>Checks a wiring config as a whole and lists every problem (JSON path: what is wrong, what is allowed).</summary>
public static class WiringValidator
{
    private sealed record ChipRules(string Bus, int[] Addresses, double MaxRateHz);

    // Addresses: each datasheet's address-select options. Max rates: MPU-6050 accelerometer 1 kHz (PS §6.2),
    // ADXL345 3200 Hz (DS Table 7), BME280 forced mode ~157 Hz at ×1 (DS §9.2), ADS1115 860 SPS (DS §7.5).
    private static readonly Dictionary<string, ChipRules> Chips = new()
    {
        ["mpu6050"] = new("i2c", [0x68, 0x69], 1000),
        ["mpu9250"] = new("i2c", [0x68, 0x69], 1000),
        ["adxl345"] = new("spi", [], 3200),
        ["bme280"] = new("i2c", [0x76, 0x77], 150),
        ["ads1115"] = new("i2c", [0x48, 0x49, 0x4A, 0x4B], 860),
    };

    // The Pi's 40-pin header exposes BCM GPIO 2..27; I2C1 takes 2/3, SPI0 takes 7..11.
    private static readonly int[] I2c1Pins = [2, 3];
    private static readonly int[] Spi0Pins = [7, 8, 9, 10, 11];

    public static IReadOnlyList<string> Validate(WiringConfig config)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(config.Board))
        {
            problems.Add("board: name the board's device profile (e.g. \"raspberry-pi-4\").");
        }

        if (!(config.SampleRateHz > 0) || double.IsInfinity(config.SampleRateHz))
        {
            problems.Add($"sampleRateHz: {config.SampleRateHz} is not a positive rate in samples per second.");
        }

        if (config.Sensors.Count == 0)
        {
            problems.Add("sensors: list at least one sensor.");
        }

        var pins = new Dictionary<int, string>();
        var addresses = new Dictionary<(string, int, int), string>();
        bool usesI2c1 = false, usesSpi0 = false;
        for (int i = 0; i < config.Sensors.Count; i++)
        {
            var sensor = config.Sensors[i];
            string at = $"sensors[{i}] ('{sensor.Name}')";
            if (config.Sensors.Take(i).Any(other => other.Name == sensor.Name))
            {
                problems.Add($"{at}.name: another sensor already has this name.");
            }

            if (!Chips.TryGetValue(sensor.Chip, out var rules))
            {
                problems.Add($"{at}.chip: '{sensor.Chip}' is not supported; use one of {string.Join(", ", Chips.Keys)}.");
                continue;
            }

            if (sensor.Bus != rules.Bus)
            {
                problems.Add($"{at}.bus: {sensor.Chip} is wired on '{rules.Bus}' (its Iot.Device.Bindings driver speaks only that), not '{sensor.Bus}'.");
            }

            if (sensor.BusId < 0)
            {
                problems.Add($"{at}.busId: {sensor.BusId} is not a Linux bus number.");
            }

            if (rules.Bus == "i2c")
            {
                usesI2c1 |= sensor.BusId == 1;
                int address = sensor.I2cAddress;
                if (sensor.Address is null)
                {
                    problems.Add($"{at}.address: an I2C chip needs its address, one of {Hex(rules.Addresses)}.");
                }
                else if (!rules.Addresses.Contains(address))
                {
                    problems.Add($"{at}.address: '{sensor.Address}' is not an address a {sensor.Chip} can take; use one of {Hex(rules.Addresses)}.");
                }
                else if (!addresses.TryAdd(("i2c", sensor.BusId, address), sensor.Name))
                {
                    problems.Add($"{at}.address: {sensor.Address} on i2c-{sensor.BusId} is already used by '{addresses[("i2c", sensor.BusId, address)]}'.");
                }
            }
            else
            {
                usesSpi0 |= sensor.BusId == 0;
                if (sensor.ChipSelect is not (0 or 1))
                {
                    problems.Add($"{at}.chipSelect: a SPI chip needs chip-select 0 or 1 (CE0/CE1), got {sensor.ChipSelect?.ToString() ?? "none"}.");
                }
                else if (!addresses.TryAdd(("spi", sensor.BusId, sensor.ChipSelect.Value), sensor.Name))
                {
                    problems.Add($"{at}.chipSelect: CE{sensor.ChipSelect} on spi{sensor.BusId} is already used by '{addresses[("spi", sensor.BusId, sensor.ChipSelect.Value)]}'.");
                }
            }

            if (sensor.Name == config.GestureSensor && config.SampleRateHz > rules.MaxRateHz)
            {
                problems.Add($"sampleRateHz: {config.SampleRateHz} Hz is faster than the {sensor.Chip} can deliver ({rules.MaxRateHz} Hz).");
            }

            if (sensor.AccelerometerRange is { } accel && SensorFactory.ParseAccelerometerRange(accel) is null)
            {
                problems.Add($"{at}.accelerometerRange: '{accel}' is not one of 2g, 4g, 8g, 16g.");
            }

            if (sensor.GyroscopeRange is { } gyro && SensorFactory.ParseGyroscopeRange(gyro) is null)
            {
                problems.Add($"{at}.gyroscopeRange: '{gyro}' is not one of 250dps, 500dps, 1000dps, 2000dps.");
            }

            if (sensor.Chip == "ads1115")
            {
                if (sensor.Inputs is not { Count: > 0 })
                {
                    problems.Add($"{at}.inputs: list the ADS1115 inputs to read, e.g. [\"AIN0\"].");
                }
                else
                {
                    foreach (string input in sensor.Inputs.Where(input => !Enum.TryParse<Iot.Device.Ads1115.InputMultiplexer>(input, out _)))
                    {
                        problems.Add($"{at}.inputs: '{input}' is not an ADS1115 input (AIN0..AIN3, AIN0_AIN1, AIN0_AIN3, AIN1_AIN3, AIN2_AIN3).");
                    }
                }

                if (sensor.FullScaleVolts is { } volts && SensorFactory.ParseMeasuringRange(volts) is null)
                {
                    problems.Add($"{at}.fullScaleVolts: {volts} is not one of 6.144, 4.096, 2.048, 1.024, 0.512, 0.256.");
                }
            }

            if (sensor.InterruptPin is { } pin)
            {
                ClaimPin(pin, $"{at}.interruptPin", sensor.Name + " interrupt", pins, problems);
            }
        }

        if (!config.Sensors.Any(s => s.Name == config.GestureSensor))
        {
            problems.Add($"gestureSensor: '{config.GestureSensor}' is not the name of a sensor in this file.");
        }

        foreach (var (gesture, pin) in config.Outputs.Leds)
        {
            ClaimPin(pin, $"outputs.leds.{gesture}", $"LED '{gesture}'", pins, problems);
        }

        if (config.Outputs.Buzzer is { } buzzer)
        {
            ClaimPin(buzzer.Pin, "outputs.buzzer.pin", "buzzer", pins, problems);
            if (buzzer.PulseMs is < 1 or > 10_000)
            {
                problems.Add($"outputs.buzzer.pulseMs: {buzzer.PulseMs} ms; use 1..10000.");
            }
        }

        foreach (var (pin, user) in pins)
        {
            if (usesI2c1 && I2c1Pins.Contains(pin))
            {
                problems.Add($"{user}: GPIO {pin} is I2C1's SDA/SCL, which the I2C sensors use.");
            }

            if (usesSpi0 && Spi0Pins.Contains(pin))
            {
                problems.Add($"{user}: GPIO {pin} belongs to SPI0 (GPIO 7..11), which the SPI sensors use.");
            }
        }

        if (config.Outputs.Mqtt is { } mqtt)
        {
            if (string.IsNullOrWhiteSpace(mqtt.Host))
            {
                problems.Add("outputs.mqtt.host: name the broker host.");
            }

            if (mqtt.Port is < 1 or > 65535)
            {
                problems.Add($"outputs.mqtt.port: {mqtt.Port} is not a TCP port (1..65535).");
            }

            if (mqtt.QueueCapacity < 1)
            {
                problems.Add($"outputs.mqtt.queueCapacity: {mqtt.QueueCapacity}; the queue needs room for at least one record.");
            }
        }

        return problems;
    }

    private static void ClaimPin(int pin, string path, string user, Dictionary<int, string> pins, List<string> problems)
    {
        if (pin is < 2 or > 27)
        {
            problems.Add($"{path}: GPIO {pin} is not on the 40-pin header (BCM 2..27).");
        }
        else if (pins.TryGetValue(pin, out string? other))
        {
            problems.Add($"{path}: GPIO {pin} is already used by {other}.");
        }
        else
        {
            pins[pin] = path;
        }
    }

    private static string Hex(int[] addresses) => string.Join(", ", addresses.Select(a => $"0x{a:X2}"));
}
