using System.Collections.Immutable;

namespace EdgePrune.Core.Ir;

public enum AttributeKind
{
    Float,
    Int,
    String,
    Tensor,
    Floats,
    Ints,
    Strings,

    /// <summary>An attribute kind EdgePrune does not model (graphs, sparse tensors, type protos); ops that see one report it.</summary>
    Unsupported,
}

/// <summary>An immutable node attribute. Only the field matching <see cref="Kind"/> is meaningful.</summary>
public sealed record AttributeValue
{
    public AttributeKind Kind { get; init; }
    public float Float { get; init; }
    public long Int { get; init; }
    public string String { get; init; } = "";
    public Tensor? Tensor { get; init; }
    public ImmutableArray<float> Floats { get; init; } = [];
    public ImmutableArray<long> Ints { get; init; } = [];
    public ImmutableArray<string> Strings { get; init; } = [];

    /// <summary>For <see cref="AttributeKind.Unsupported"/>: what ONNX called it (e.g. "GRAPH").</summary>
    public string UnsupportedKindName { get; init; } = "";

    public static AttributeValue Of(float value) => new() { Kind = AttributeKind.Float, Float = value };
    public static AttributeValue Of(long value) => new() { Kind = AttributeKind.Int, Int = value };
    public static AttributeValue Of(string value) => new() { Kind = AttributeKind.String, String = value };
    public static AttributeValue Of(Tensor value) => new() { Kind = AttributeKind.Tensor, Tensor = value };
    public static AttributeValue Of(params float[] values) => new() { Kind = AttributeKind.Floats, Floats = [.. values] };
    public static AttributeValue Of(params long[] values) => new() { Kind = AttributeKind.Ints, Ints = [.. values] };
    public static AttributeValue Of(params string[] values) => new() { Kind = AttributeKind.Strings, Strings = [.. values] };

    public override string ToString() => Kind switch
    {
        AttributeKind.Float => Float.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        AttributeKind.Int => Int.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AttributeKind.String => $"\"{String}\"",
        AttributeKind.Tensor => Tensor!.ToString(),
        AttributeKind.Floats => "[" + string.Join(", ", Floats) + "]",
        AttributeKind.Ints => "[" + string.Join(", ", Ints) + "]",
        AttributeKind.Strings => "[" + string.Join(", ", Strings) + "]",
        _ => UnsupportedKindName,
    };
}
