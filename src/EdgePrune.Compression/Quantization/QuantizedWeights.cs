using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization;

/// <summary>
/// A weight tensor quantized symmetrically per output channel: w ≈ scale[c] · q, zero point 0, q in
/// [−(2^(bits−1) − 1), 2^(bits−1) − 1] (±127 for int8, ±7 for int4). Zero point 0 means a pruned (zero)
/// weight stays exactly 0. Values are kept one per sbyte; <see cref="PackInt4"/> gives the two-per-byte form.
/// </summary>
public sealed record QuantizedWeights
{
    public required string Name { get; init; }
    public required sbyte[] Values { get; init; }
    public required int[] Shape { get; init; }
    public required TensorQuantization Quantization { get; init; }

    public int Bits => Quantization.Bits;

    /// <summary>Output channels (the length of the channel axis).</summary>
    public int Channels => Shape[Quantization.Axis];

    /// <summary>Quantizes <paramref name="weights"/> per channel along <paramref name="axis"/> to <paramref name="bits"/> (8 or 4).</summary>
    public static QuantizedWeights Symmetric(string name, float[] weights, int[] shape, int axis, int bits)
    {
        if (bits is not (8 or 4))
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "weights are quantized to 8 or 4 bits");
        }

        int channels = shape[axis];
        int inner = 1;
        for (int d = axis + 1; d < shape.Length; d++)
        {
            inner *= shape[d];
        }

        float qmax = (1 << (bits - 1)) - 1;
        var maxAbs = new float[channels];
        for (int i = 0; i < weights.Length; i++)
        {
            float w = weights[i];
            if (!float.IsFinite(w))
            {
                throw new EdgePrune.Core.EdgePruneException($"weight '{name}' holds {w} at flat index {i}; quantization needs finite weights");
            }

            int c = (i / inner) % channels;
            maxAbs[c] = MathF.Max(maxAbs[c], MathF.Abs(w));
        }

        // A channel of zeros (pruned) gets scale 1: every value is 0 whatever the scale, and ONNX needs scale > 0.
        var scales = Array.ConvertAll(maxAbs, m => m > 0 ? m / qmax : 1f);
        var values = new sbyte[weights.Length];
        for (int i = 0; i < weights.Length; i++)
        {
            int c = (i / inner) % channels;
            float q = MathF.Round(weights[i] / scales[c], MidpointRounding.ToEven);
            values[i] = (sbyte)Math.Clamp(q, -qmax, qmax);
        }

        return new QuantizedWeights
        {
            Name = name,
            Values = values,
            Shape = shape,
            Quantization = new TensorQuantization(scales, new int[channels], axis, bits),
        };
    }

    /// <summary>The dequantized weights, scale[c] · q.</summary>
    public float[] Dequantize()
    {
        int inner = InnerSize;
        var result = new float[Values.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Values[i] * Quantization.Scales[(i / inner) % Channels];
        }

        return result;
    }

    public Tensor ToTensor() => Tensor.FromArray((sbyte[])Values.Clone(), Shape);

    public int NonZeroCount => Values.Count(v => v != 0);

    /// <summary>Two int4 values per byte, low nibble first (element 2i in bits 0–3, element 2i+1 in bits 4–7), as ONNX INT4 packs them.</summary>
    public byte[] PackInt4()
    {
        var packed = new byte[(Values.Length + 1) / 2];
        for (int i = 0; i < Values.Length; i++)
        {
            int nibble = Values[i] & 0x0F;
            packed[i / 2] |= (byte)(i % 2 == 0 ? nibble : nibble << 4);
        }

        return packed;
    }

    /// <summary>Inverse of <see cref="PackInt4"/>: sign-extends each nibble.</summary>
    public static sbyte[] UnpackInt4(ReadOnlySpan<byte> packed, int count)
    {
        var values = new sbyte[count];
        for (int i = 0; i < count; i++)
        {
            int nibble = i % 2 == 0 ? packed[i / 2] & 0x0F : packed[i / 2] >> 4;
            values[i] = (sbyte)(nibble >= 8 ? nibble - 16 : nibble);
        }

        return values;
    }

    internal int InnerSize
    {
        get
        {
            int inner = 1;
            for (int d = Quantization.Axis + 1; d < Shape.Length; d++)
            {
                inner *= Shape[d];
            }

            return inner;
        }
    }
}
