using RuntimeFixedPoint = EdgePrune.Runtime.Kernels.FixedPoint;

namespace EdgePrune.Compression.Quantization;

/// <summary>
/// The multiplier side of TFLite's int8 scheme for the quantizer. The integer primitives themselves
/// (SaturatingRoundingDoublingHighMul, RoundingDivideByPOT, MultiplyByQuantizedMultiplier) are the device
/// runtime's <see cref="RuntimeFixedPoint"/>: one implementation, so the host's integer executor and the
/// .NET runtime cannot drift apart.
/// </summary>
public static class FixedPoint
{
    /// <summary>
    /// Splits a non-negative real multiplier into a Q0.31 mantissa and an exponent (TFLite QuantizeMultiplier):
    /// M = mantissa · 2^(shift − 31). Refuses what a requantization cannot be: negative, NaN, infinite, ≥ 2^30.
    /// </summary>
    public static QuantizedMultiplier Quantize(double realMultiplier)
    {
        if (realMultiplier < 0 || double.IsNaN(realMultiplier) || double.IsInfinity(realMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(realMultiplier), realMultiplier, "a requantization multiplier must be finite and non-negative");
        }

        var (multiplier, shift) = RuntimeFixedPoint.QuantizeMultiplier(realMultiplier);
        if (shift > 30)
        {
            throw new ArgumentOutOfRangeException(nameof(realMultiplier), realMultiplier, "a requantization multiplier must be below 2^30");
        }

        return new QuantizedMultiplier(multiplier, shift);
    }
}

/// <summary>
/// A requantization of small integers (a window sum, an int8 value) by a real factor M that may be near 1: the
/// input is first shifted left by <see cref="LeftShift"/> bits of headroom, then multiplied by M / 2^LeftShift.
/// Without the shift the fixed-point product would round once to an integer and again in the final shift
/// (TFLite's int8 Add shifts by 20 for the same reason).
/// </summary>
public readonly record struct Rescale(int LeftShift, QuantizedMultiplier Multiplier)
{
    /// <summary>A rescale by <paramref name="realMultiplier"/> for inputs with |x| ≤ <paramref name="maxAbsInput"/>.</summary>
    public static Rescale Create(double realMultiplier, long maxAbsInput)
    {
        int bits = 0;
        while ((maxAbsInput >> bits) > 0)
        {
            bits++;
        }

        int leftShift = Math.Clamp(30 - bits, 0, 20);
        return new Rescale(leftShift, FixedPoint.Quantize(realMultiplier / (1 << leftShift)));
    }

    public int Apply(int x) => Multiplier.Apply(x * (1 << LeftShift));
}

/// <summary>A real multiplier as TFLite stores it: <see cref="Multiplier"/> · 2^(<see cref="Shift"/> − 31); Shift &gt; 0 is a left shift.</summary>
public readonly record struct QuantizedMultiplier(int Multiplier, int Shift)
{
    public int Apply(int x) => RuntimeFixedPoint.MultiplyByQuantizedMultiplier(x, Multiplier, Shift);

    public double RealValue => Multiplier * Math.ScaleB(1.0, Shift - 31);
}
