using EdgePrune.Runtime.Kernels;

namespace EdgePrune.Runtime.Tests;

/// <summary>
/// The vectorized QuantizeLinear / DequantizeLinear against the ONNX formulas written out here one value at a time:
/// round half to even worked out from the floor (not MathF.Round), NaN to the zero point, saturation to int8.
/// </summary>
public class QuantizationTests
{
    private static readonly float[] SpecialValues =
    [
        float.NaN, -float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.MinValue, 3e38f, -3e38f,
        float.Epsilon, -float.Epsilon, 1e-39f, 0f, -0f, 1e30f, -1e30f,
    ];

    /// <summary>QuantizeLinear: q = x / scale, rounded half to even, plus the zero point (in float), NaN → zero point, else saturated.</summary>
    private static sbyte ExpectedCode(float x, float scale, int zeroPoint)
    {
        float q = x / scale;
        double floor = Math.Floor(q), fraction = q - floor;
        double rounded = fraction > 0.5 || (fraction == 0.5 && floor % 2 != 0) ? floor + 1 : floor;
        float v = (float)rounded + zeroPoint;
        if (float.IsNaN(v))
        {
            return unchecked((sbyte)zeroPoint);
        }

        return v >= 127 ? (sbyte)127 : v <= -128 ? (sbyte)-128 : (sbyte)(int)v;
    }

    private static float RandomValue(Random random, float scale) => random.Next(6) switch
    {
        0 => SpecialValues[random.Next(SpecialValues.Length)],

        // Exact halves of the scale, where rounding half to even and half away from zero differ.
        1 => (random.Next(-300, 300) + 0.5f) * scale,
        2 => (float)(random.NextDouble() - 0.5) * 1e6f,
        _ => (float)(random.NextDouble() - 0.5) * 300 * scale,
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Quantize_matches_the_onnx_formula_value_by_value_on_random_spans(int seed)
    {
        var random = new Random(seed);
        for (int trial = 0; trial < 200; trial++)
        {
            // Lengths below, at and past the 16- and 32-lane widths; an offset so the spans are not aligned.
            int length = trial < 70 ? trial : random.Next(0, 600), offset = random.Next(0, 4);
            float scale = random.Next(4) switch
            {
                0 => 0.25f,
                1 => 1e-30f,
                _ => (float)Math.Pow(10, (random.NextDouble() * 6) - 4),
            };
            int zeroPoint = random.Next(8) == 0 ? random.Next(-300, 300) : random.Next(-128, 128);
            var x = Enumerable.Range(0, length + offset).Select(_ => RandomValue(random, scale)).ToArray();
            var actual = new sbyte[length + offset];
            Quantization.Quantize(x.AsSpan(offset), actual.AsSpan(offset), scale, zeroPoint);
            for (int i = 0; i < length; i++)
            {
                float value = x[offset + i];
                Assert.True(ExpectedCode(value, scale, zeroPoint) == actual[offset + i], $"length {length} [{i}]: {value} / {scale} + {zeroPoint} gave {actual[offset + i]}, expected {ExpectedCode(value, scale, zeroPoint)}");
            }
        }
    }

    [Fact]
    public void Quantize_rounds_exact_halves_to_even()
    {
        float[] halves = [-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.5f, 126.5f, -127.5f, 0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f, 7.5f];
        var actual = new sbyte[halves.Length];
        Quantization.Quantize(halves, actual, 1f, 0);
        Assert.Equal([-2, -2, 0, 0, 2, 2, 4, 126, -128, 0, 2, 2, 4, 4, 6, 6, 8], actual.Select(v => (int)v));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void Dequantize_matches_the_onnx_formula_bit_for_bit_on_random_spans(int seed)
    {
        var random = new Random(seed);
        for (int trial = 0; trial < 200; trial++)
        {
            int length = trial < 70 ? trial : random.Next(0, 600), offset = random.Next(0, 4);
            float scale = random.Next(6) switch
            {
                0 => SpecialValues[random.Next(SpecialValues.Length)],
                _ => (float)Math.Pow(10, (random.NextDouble() * 8) - 5),
            };

            // Zero points far outside int8 make x - zero point too large for a float to hold exactly.
            int zeroPoint = random.Next(6) == 0 ? random.Next(-(1 << 30), 1 << 30) : random.Next(-128, 128);
            var x = Enumerable.Range(0, length + offset).Select(_ => (sbyte)random.Next(-128, 128)).ToArray();
            var actual = new float[length + offset];
            Quantization.Dequantize(x.AsSpan(offset), actual.AsSpan(offset), scale, zeroPoint);
            for (int i = 0; i < length; i++)
            {
                int difference = x[offset + i] - zeroPoint;
                float expected = (float)difference * scale;
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual[offset + i]), $"length {length} [{i}]: ({x[offset + i]} - {zeroPoint}) * {scale} gave {actual[offset + i]}, expected {expected}");
            }
        }
    }
}
