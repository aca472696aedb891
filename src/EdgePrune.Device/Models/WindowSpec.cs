using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgePrune.Sensors.Windows;

namespace EdgePrune.Device.Models;

/// <summary>
/// How a model wants its windows cut and normalized: <see cref="Length"/> frames of <see cref="Channels"/>, a new
/// window every <see cref="Hop"/> frames, each channel standardized with the training mean and deviation. The model
/// input is channel-major <c>[1, C, T]</c> (conv1d-small's layout); the device transposes the time-major window.
/// Stored with the model: in the ONNX file as metadata property <see cref="MetadataKey"/> (JSON), and in the
/// <c>.epb</c>, whose metadata section has no key/value table, as the producer string
/// <c>"&lt;producer&gt;; edgeprune.window={json}"</c> (docs/device.md).
/// </summary>
public sealed record WindowSpec(
    [property: JsonPropertyName("length")] int Length,
    [property: JsonPropertyName("hop")] int Hop,
    [property: JsonPropertyName("rate_hz")] double RateHz,
    [property: JsonPropertyName("channels")] IReadOnlyList<string> Channels,
    [property: JsonPropertyName("mean")] IReadOnlyList<float> Mean,
    [property: JsonPropertyName("std")] IReadOnlyList<float> Std)
{
    public const string MetadataKey = "edgeprune.window";

    private const string ProducerMarker = "; " + MetadataKey + "=";

    public ChannelNormalization Normalization() => new(Mean, Std);

    public string ToJson() => JsonSerializer.Serialize(this);

    public string ToProducer(string producer) => producer + ProducerMarker + ToJson();

    /// <summary>Reads the spec from JSON; <paramref name="source"/> names the model in the error.</summary>
    public static WindowSpec FromJson(string json, string source)
    {
        WindowSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<WindowSpec>(json);
        }
        catch (JsonException e)
        {
            throw new DeviceConfigException($"{source}: the {MetadataKey} metadata is not valid JSON ({e.Message})");
        }

        if (spec is null || spec.Length < 1 || spec.Hop < 1 || !(spec.RateHz > 0) || spec.Channels is null || spec.Mean is null || spec.Std is null
            || spec.Channels.Count == 0 || spec.Mean.Count != spec.Channels.Count || spec.Std.Count != spec.Channels.Count
            || spec.Std.Any(s => !(s > 0) || !float.IsFinite(s)) || spec.Mean.Any(m => !float.IsFinite(m)))
        {
            throw new DeviceConfigException($"{source}: the {MetadataKey} metadata needs length ≥ 1, hop ≥ 1, rate_hz > 0 and one finite mean and positive std per channel; re-export the model with scripts/gesture-model.cs");
        }

        return spec;
    }

    /// <summary>Reads the spec from an <c>.epb</c> producer string.</summary>
    public static WindowSpec FromProducer(string producer, string source)
    {
        int at = producer.IndexOf(ProducerMarker, StringComparison.Ordinal);
        return at < 0
            ? throw new DeviceConfigException($"{source}: the model carries no window spec (producer '{producer}' lacks '{MetadataKey}='); export it with scripts/gesture-model.cs or pass the window in the config")
            : FromJson(producer[(at + ProducerMarker.Length)..], source);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Length}×{Channels.Count} every {Hop} at {RateHz} Hz");
}
