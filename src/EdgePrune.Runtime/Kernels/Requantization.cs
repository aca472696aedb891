namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// What an int8 FullyConnected or Conv needs per output channel, computed once at load (TFLite's Prepare):
/// multiplier/shift from s_in·s_w[c]/s_out, the output zero point and the clamp range of the fused activation.
/// <see cref="InputOffset"/> is the negated input zero point, added to every input value as TFLite does.
/// </summary>
public sealed class Requantization
{
    public required int[] Multipliers { get; init; }
    public required int[] Shifts { get; init; }
    public required int InputOffset { get; init; }
    public required int OutputZeroPoint { get; init; }
    public required int ActivationMin { get; init; }
    public required int ActivationMax { get; init; }

    public static Requantization Create(float inputScale, int inputZeroPoint, float[] weightScales, int channels, float outputScale, int outputZeroPoint, float min, float max)
    {
        var multipliers = new int[channels];
        var shifts = new int[channels];
        for (int c = 0; c < channels; c++)
        {
            double real = (double)inputScale * weightScales[weightScales.Length == 1 ? 0 : c] / outputScale;
            (multipliers[c], shifts[c]) = FixedPoint.QuantizeMultiplier(real);
        }

        var (low, high) = ActivationRange(outputScale, outputZeroPoint, min, max);
        return new Requantization
        {
            Multipliers = multipliers,
            Shifts = shifts,
            InputOffset = -inputZeroPoint,
            OutputZeroPoint = outputZeroPoint,
            ActivationMin = low,
            ActivationMax = high,
        };
    }

    /// <summary>TFLite CalculateActivationRangeQuantized: the real clamp [min, max] as int8 codes, zero point + round-half-away(x / scale), inside [−128, 127].</summary>
    public static (int Min, int Max) ActivationRange(float scale, int zeroPoint, float min, float max)
    {
        int Quantize(float v) => zeroPoint + (int)Math.Clamp(MathF.Round(v / scale, MidpointRounding.AwayFromZero), -1e6f, 1e6f);
        int low = float.IsNegativeInfinity(min) ? sbyte.MinValue : Math.Max(sbyte.MinValue, Quantize(min));
        int high = float.IsPositiveInfinity(max) ? sbyte.MaxValue : Math.Min(sbyte.MaxValue, Quantize(max));
        return (low, Math.Max(low, high));
    }

    public sbyte Apply(int accumulator, int channel)
    {
        int scaled = FixedPoint.MultiplyByQuantizedMultiplier(accumulator, Multipliers[channel], Shifts[channel]) + OutputZeroPoint;
        return (sbyte)Math.Clamp(scaled, ActivationMin, ActivationMax);
    }
}
