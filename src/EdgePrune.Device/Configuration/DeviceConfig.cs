using System.Text.Json;
using System.Text.Json.Serialization;
using EdgePrune.Sensors.Inference;

namespace EdgePrune.Device.Configuration;

/// <summary>How predictions become events (see <see cref="SmoothingOptions"/>).</summary>
public sealed record SmoothingConfig
{
    public SmoothingKind Kind { get; init; } = SmoothingKind.Majority;

    public float ConfidenceThreshold { get; init; } = 0.6f;

    public string BackgroundClass { get; init; } = "idle";

    public int MajorityWindows { get; init; } = 3;

    public float ExponentialAlpha { get; init; } = 0.5f;

    public SmoothingOptions ToOptions() => new(Kind, ConfidenceThreshold, BackgroundClass) { MajorityWindows = MajorityWindows, ExponentialAlpha = ExponentialAlpha };
}

/// <summary>
/// The service config (<c>devices/service/*.json</c>): which wiring file, which model, how to smooth, how often to
/// report. Relative paths are resolved against the config file's folder. Loaded strictly: an unknown property or a
/// missing file is one <see cref="DeviceConfigException"/> naming the field.
/// </summary>
public sealed record DeviceConfig
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The wiring file (<c>devices/wiring/*.json</c>).</summary>
    public required string Wiring { get; init; }

    /// <summary>The <c>.epb</c> model (overridden by <c>--model</c>).</summary>
    public required string Model { get; init; }

    /// <summary>The ONNX file the model was exported from, for <c>--engine onnxruntime</c>.</summary>
    public string? OnnxModel { get; init; }

    public SmoothingConfig Smoothing { get; init; } = new();

    /// <summary>Seconds of sampling between two status lines (on the run's clock).</summary>
    public double StatusIntervalSeconds { get; init; } = 10;

    /// <summary>Reload the model when its file changes (validated first; a bad file is refused).</summary>
    public bool WatchModel { get; init; } = true;

    /// <summary>Write one JSON line per classified window (besides gestures and gaps).</summary>
    public bool WindowLines { get; init; } = true;

    public static DeviceConfig Load(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new DeviceConfigException($"{path}: config file not found; pass --config devices/service/pi4-gesture.json or your own");
        }

        DeviceConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<DeviceConfig>(File.ReadAllText(full), Json);
        }
        catch (JsonException e)
        {
            throw new DeviceConfigException($"{path}: {(e.Path is { } at ? at + ": " : "")}{FirstSentence(e.Message)}");
        }

        if (config is null)
        {
            throw new DeviceConfigException($"{path}: the config is empty; it needs at least \"wiring\" and \"model\"");
        }

        if (!(config.StatusIntervalSeconds > 0))
        {
            throw new DeviceConfigException($"{path}: statusIntervalSeconds must be positive, got {config.StatusIntervalSeconds}");
        }

        string folder = Path.GetDirectoryName(full)!;
        return config with
        {
            Wiring = Path.GetFullPath(config.Wiring, folder),
            Model = Path.GetFullPath(config.Model, folder),
            OnnxModel = config.OnnxModel is null ? null : Path.GetFullPath(config.OnnxModel, folder),
        };
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}
