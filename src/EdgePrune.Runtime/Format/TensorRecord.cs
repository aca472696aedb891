namespace EdgePrune.Runtime.Format;

/// <summary>Per-tensor or per-channel quantization: real = scale · (q − zeroPoint); Axis is the channel axis or −1.</summary>
public sealed record QuantInfo(QuantKind Kind, int Axis, float[] Scales, int[] ZeroPoints);

/// <summary>One entry of the tensor table, checked against the file (see <see cref="EpbReader"/>).</summary>
public sealed class TensorRecord
{
    public required string Name { get; init; }
    public required EpbDataType DataType { get; init; }
    public required TensorKind Kind { get; init; }
    public required int[] Shape { get; init; }
    public required QuantInfo? Quant { get; init; }

    /// <summary>For constants: the stored layout; null for activations.</summary>
    public WeightView? Weights { get; init; }

    /// <summary>For activations: byte offset in the arena, from the arena section.</summary>
    public int ArenaOffset { get; set; } = -1;

    public int ElementCount { get; init; }

    public int ByteCount => ElementCount * ElementSize(DataType);

    public static int ElementSize(EpbDataType type) => type switch
    {
        EpbDataType.Float32 or EpbDataType.Int32 => 4,
        _ => 1,
    };

    public override string ToString() => $"tensor '{Name}' {DataType}[{string.Join(", ", Shape)}]";
}
