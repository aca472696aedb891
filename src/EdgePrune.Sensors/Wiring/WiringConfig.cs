using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgePrune.Sensors.Wiring;

/// <summary>A wiring file is missing, unreadable or inconsistent; the message names the file, the JSON path and the fix.</summary>
public sealed class WiringException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>One chip on a bus. Which fields apply depends on <see cref="Chip"/>; see docs/sensors.md for the schema.</summary>
public sealed record SensorWiring
{
    public required string Name { get; init; }

    /// <summary>mpu6050, mpu9250, adxl345, bme280 or ads1115.</summary>
    public required string Chip { get; init; }

    /// <summary>i2c or spi.</summary>
    public required string Bus { get; init; }

    /// <summary>Linux bus number: /dev/i2c-N or /dev/spidevN.x.</summary>
    public int BusId { get; init; } = 1;

    /// <summary>7-bit I2C address as a string, e.g. "0x68" (I2C chips only).</summary>
    public string? Address { get; init; }

    /// <summary>SPI chip-select line (SPI chips only).</summary>
    public int? ChipSelect { get; init; }

    /// <summary>Accelerometer range: "2g", "4g", "8g" or "16g".</summary>
    public string? AccelerometerRange { get; init; }

    /// <summary>Gyroscope range: "250dps", "500dps", "1000dps" or "2000dps".</summary>
    public string? GyroscopeRange { get; init; }

    /// <summary>ADS1115 inputs, e.g. ["AIN0", "AIN1_AIN3"].</summary>
    public IReadOnlyList<string>? Inputs { get; init; }

    /// <summary>ADS1115 full scale in volts: 6.144, 4.096, 2.048, 1.024, 0.512 or 0.256.</summary>
    public double? FullScaleVolts { get; init; }

    /// <summary>GPIO (BCM) of the chip's interrupt / data-ready line, if wired.</summary>
    public int? InterruptPin { get; init; }

    [JsonIgnore]
    public int I2cAddress => Address is null ? -1 : ParseAddress(Address);

    internal static int ParseAddress(string text)
    {
        string digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return int.TryParse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int value) ? value : -1;
    }
}

public sealed record BuzzerWiring
{
    public required int Pin { get; init; }

    public int PulseMs { get; init; } = 100;
}

public sealed record MqttWiring
{
    public required string Host { get; init; }

    public int Port { get; init; } = 1883;

    public string TopicPrefix { get; init; } = "edgeprune";

    public string? ClientId { get; init; }

    public int QueueCapacity { get; init; } = 10_000;
}

public sealed record OutputWiring
{
    /// <summary>Gesture class → GPIO (BCM) of its LED.</summary>
    public IReadOnlyDictionary<string, int> Leds { get; init; } = new Dictionary<string, int>();

    public BuzzerWiring? Buzzer { get; init; }

    /// <summary>"stdout" or a file path for the JSON lines; null for none.</summary>
    public string? JsonLines { get; init; } = "stdout";

    public MqttWiring? Mqtt { get; init; }
}

/// <summary>
/// A board's sensor wiring: which chip sits on which bus and address, which pins drive which outputs, and the
/// sample rate. Loaded from <c>devices/wiring/*.json</c> and validated as a whole (<see cref="Load"/>).
/// </summary>
public sealed record WiringConfig
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Name of a device profile in devices/ (e.g. raspberry-pi-4).</summary>
    public required string Board { get; init; }

    public required double SampleRateHz { get; init; }

    /// <summary>Name of the sensor whose frames feed the gesture windows.</summary>
    public required string GestureSensor { get; init; }

    public required IReadOnlyList<SensorWiring> Sensors { get; init; }

    public OutputWiring Outputs { get; init; } = new();

    public SensorWiring GestureSensorWiring => Sensors.First(s => s.Name == GestureSensor);

    public static WiringConfig Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new WiringException($"{path}: cannot read the wiring file ({error.Message}).", error);
        }

        return Parse(json, path);
    }

    public static WiringConfig Parse(string json, string source)
    {
        WiringConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<WiringConfig>(json, JsonOptions);
        }
        catch (JsonException error)
        {
            throw new WiringException($"{source}: {error.Message}", error);
        }

        if (config is null)
        {
            throw new WiringException($"{source}: the file holds 'null', expected a wiring object.");
        }

        var problems = WiringValidator.Validate(config);
        if (problems.Count > 0)
        {
            throw new WiringException($"{source}: {problems.Count} problem(s):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems));
        }

        return config;
    }
}
