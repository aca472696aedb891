namespace EdgePrune.Runtime.Kernels;

/// <summary>Per-tensor QuantizeLinear / DequantizeLinear with ONNX semantics (x / scale rounded half to even, saturated to int8).</summary>
public static class Quantization
{
    public static void Quantize(ReadOnlySpan<float> x, Span<sbyte> y, float scale, int zeroPoint)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = QuantizeOne(x[i], scale, zeroPoint);
        }
    }

    public static sbyte QuantizeOne(float x, float scale, int zeroPoint)
    {
        float v = MathF.Round(x / scale, MidpointRounding.ToEven) + zeroPoint;
        return float.IsNaN(v) ? (sbyte)zeroPoint : (sbyte)Math.Clamp(v, sbyte.MinValue, sbyte.MaxValue);
    }

    public static void Dequantize(ReadOnlySpan<sbyte> x, Span<float> y, float scale, int zeroPoint)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (x[i] - zeroPoint) * scale;
        }
    }
}
