namespace EdgePrune.Export.Epb;

/// <summary>
/// Affine int8 quantization of one tensor (real = scale · (q − zeroPoint)): one scale and zero point per tensor
/// (<see cref="Axis"/> −1) or one per slice along <see cref="Axis"/>. DESIGN.md "Numerics": activations per tensor,
/// weights per output channel with zero point 0.
/// </summary>
public sealed record QuantParams(float[] Scales, int[] ZeroPoints, int Axis = -1)
{
    public static QuantParams PerTensor(float scale, int zeroPoint) => new([scale], [zeroPoint]);
}

/// <summary>An int8 weight tensor in the layout of the fp32 initializer it replaces (same name, same shape).</summary>
public sealed record QuantizedWeight(sbyte[] Data, int[] Shape, QuantParams Params);

/// <summary>
/// What the quantizer hands the writer: parameters for activations (by value name), int8 weights (by initializer
/// name) and, optionally, int32 biases at scale s_in·s_w (by initializer name; when absent the writer rounds the fp32
/// bias half away from zero at that scale, as TFLite's converter does). A node runs in int8 when its output and every
/// activation input have parameters (and its weights are given); otherwise it runs in fp32 between a Dequantize and a
/// Quantize the writer inserts.
/// </summary>
public sealed class EpbQuantization
{
    public Dictionary<string, QuantParams> Activations { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, QuantizedWeight> Weights { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, int[]> Biases { get; } = new(StringComparer.Ordinal);
}
