using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgePrune.Sensors.Actions;

/// <summary>
/// One line of the service's output. Serialized as one JSON object with a <c>type</c> field
/// (<c>gesture</c>, <c>gap</c>, <c>window</c>, <c>health</c>) and snake_case properties; <c>time_s</c> is seconds since sampling started.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(GestureRecord), "gesture")]
[JsonDerivedType(typeof(GapRecord), "gap")]
[JsonDerivedType(typeof(WindowRecord), "window")]
[JsonDerivedType(typeof(HealthRecord), "health")]
public abstract record OutputRecord(double TimeS)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The record as one line of JSON, without the line terminator.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static OutputRecord? FromJson(string line) => JsonSerializer.Deserialize<OutputRecord>(line, Options);
}

/// <summary>A gesture started or ended (see <see cref="Inference.GestureEvent"/>).</summary>
public sealed record GestureRecord(double TimeS, long Window, string Gesture, Inference.GesturePhase Phase, float Confidence) : OutputRecord(TimeS);

/// <summary>Samples <c>first_slot .. first_slot + missed - 1</c> are missing; windows resume after them.</summary>
public sealed record GapRecord(double TimeS, long FirstSlot, long Missed, Sampling.GapReason Reason, string Detail) : OutputRecord(TimeS);

/// <summary>One classified window: the winning class and its probability (and the ground truth when replaying a labelled trace).</summary>
public sealed record WindowRecord(double TimeS, long Window, string Predicted, float Probability, string? Truth) : OutputRecord(TimeS);

/// <summary>Periodic health: sampling and output counters since start.</summary>
public sealed record HealthRecord(double TimeS, long Samples, long MissedSamples, long SensorFaults, long Windows, long Events, long MqttDropped) : OutputRecord(TimeS);

/// <summary>Something that acts on output records: GPIO, a JSON-lines stream, an MQTT broker.</summary>
public interface IOutputSink
{
    void Write(OutputRecord record);
}
