namespace EdgePrune.Compression.Quantization;

/// <summary>
/// How one tensor's real values map to integers: real = scale · (q − zero_point). Per tensor (one scale,
/// <see cref="Axis"/> = -1) for activations, per channel along <see cref="Axis"/> for weights and biases.
/// </summary>
public sealed record TensorQuantization
{
    public TensorQuantization(float[] scales, int[] zeroPoints, int axis, int bits)
    {
        if (scales.Length == 0 || scales.Length != zeroPoints.Length)
        {
            throw new ArgumentException("one zero point per scale, at least one scale");
        }

        Scales = scales;
        ZeroPoints = zeroPoints;
        Axis = axis;
        Bits = bits;
    }

    public float[] Scales { get; }
    public int[] ZeroPoints { get; }

    /// <summary>The channel axis of per-channel parameters; -1 for per-tensor.</summary>
    public int Axis { get; }

    /// <summary>8 or 4 for int8/int4 weights and int8 activations, 32 for biases.</summary>
    public int Bits { get; }

    public float Scale => Scales[0];
    public int ZeroPoint => ZeroPoints[0];
    public bool PerChannel => Axis >= 0;

    public int QMin => Bits == 32 ? int.MinValue : -(1 << (Bits - 1));
    public int QMax => Bits == 32 ? int.MaxValue : (1 << (Bits - 1)) - 1;

    /// <summary>
    /// Asymmetric int8 parameters covering [min, max] (TFLite's choice): the range is widened to hold 0 so that
    /// zero (padding, ReLU's floor) is exact, scale = (max − min)/255, zero_point = round(−128 − min/scale).
    /// </summary>
    public static TensorQuantization Activation(float min, float max)
    {
        if (float.IsNaN(min) || float.IsNaN(max) || float.IsInfinity(min) || float.IsInfinity(max))
        {
            throw new ArgumentException($"activation range [{min}, {max}] is not finite");
        }

        double low = Math.Min(min, 0);
        double high = Math.Max(max, 0);
        if (high - low < 1e-30)
        {
            // An all-zero tensor: any scale represents it; 1/255 keeps multipliers in range.
            high = 1;
        }

        float scale = (float)((high - low) / 255.0);
        double zeroPoint = -128 - low / scale;
        int zp = (int)Math.Clamp(Math.Round(zeroPoint, MidpointRounding.AwayFromZero), -128, 127);
        return new TensorQuantization([scale], [zp], -1, 8);
    }

    /// <summary>Fixed output parameters of Softmax and Sigmoid: scale 1/256, zero point −128 covers [0, 1) (TFLite).</summary>
    public static TensorQuantization Probability { get; } = new([1f / 256], [-128], -1, 8);

    /// <summary>Real value of the integer <paramref name="q"/> in channel <paramref name="channel"/>.</summary>
    public float Dequantize(int q, int channel = 0) => (q - ZeroPoints[channel]) * Scales[channel];

    /// <summary>q = clamp(round_half_even(x / scale) + zero_point), computed in float as ONNX QuantizeLinear (and ORT) do.</summary>
    public int Quantize(float x, int channel = 0)
    {
        float q = MathF.Round(x / Scales[channel], MidpointRounding.ToEven) + ZeroPoints[channel];
        return (int)Math.Clamp(q, QMin, QMax);
    }

    public override string ToString() => PerChannel
        ? $"int{Bits} per-channel(axis {Axis}) scales [{Scales.Min():G4}, {Scales.Max():G4}]"
        : $"int{Bits} scale {Scale:G6} zero point {ZeroPoint}";
}
