namespace EdgePrune.Compression.Quantization;

/// <summary>
/// The integer primitives of TFLite's int8 scheme (tensorflow/lite/kernels/internal/common.h and gemmlowp's
/// fixedpoint.h), reproduced bit for bit so the host predicts what a device running TFLite-style kernels outputs.
/// A real multiplier M is stored as a Q0.31 mantissa in [2^30, 2^31) and a power-of-two exponent.
/// </summary>
public static class FixedPoint
{
    /// <summary>(a·b·2 + 2^31/2) / 2^31 with rounding half away from zero; saturates the one overflowing case (INT32_MIN²).</summary>
    public static int SaturatingRoundingDoublingHighMul(int a, int b)
    {
        if (a == b && a == int.MinValue)
        {
            return int.MaxValue;
        }

        long product = (long)a * b;
        long nudge = product >= 0 ? 1L << 30 : 1 - (1L << 30);
        // C++ integer division truncates towards zero; so does C#'s.
        return (int)((product + nudge) / (1L << 31));
    }

    /// <summary>x / 2^exponent rounded half away from zero (gemmlowp RoundingDivideByPOT); exponent in [0, 31].</summary>
    public static int RoundingDivideByPot(int x, int exponent)
    {
        int mask = (int)((1L << exponent) - 1);
        int remainder = x & mask;
        int threshold = (mask >> 1) + (x < 0 ? 1 : 0);
        return (x >> exponent) + (remainder > threshold ? 1 : 0);
    }

    /// <summary>round(x · M) for M = multiplier · 2^(shift − 31), as TFLite's MultiplyByQuantizedMultiplier.</summary>
    public static int MultiplyByQuantizedMultiplier(int x, int multiplier, int shift)
    {
        int leftShift = shift > 0 ? shift : 0;
        int rightShift = shift > 0 ? 0 : -shift;
        return RoundingDivideByPot(SaturatingRoundingDoublingHighMul(unchecked(x * (1 << leftShift)), multiplier), rightShift);
    }

    /// <summary>
    /// Splits a non-negative real multiplier into a Q0.31 mantissa and an exponent (TFLite QuantizeMultiplier):
    /// M = mantissa · 2^(shift − 31), mantissa = round(frac · 2^31) with frexp's frac in [0.5, 1).
    /// </summary>
    public static QuantizedMultiplier Quantize(double realMultiplier)
    {
        if (realMultiplier < 0 || double.IsNaN(realMultiplier) || double.IsInfinity(realMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(realMultiplier), realMultiplier, "a requantization multiplier must be finite and non-negative");
        }

        if (realMultiplier == 0)
        {
            return new QuantizedMultiplier(0, 0);
        }

        int shift = Math.ILogB(realMultiplier) + 1;
        double fraction = Math.ScaleB(realMultiplier, -shift);
        long mantissa = (long)Math.Round(fraction * (1L << 31), MidpointRounding.AwayFromZero);
        if (mantissa == 1L << 31)
        {
            mantissa /= 2;
            shift++;
        }

        if (shift < -31)
        {
            return new QuantizedMultiplier(0, 0);
        }

        if (shift > 30)
        {
            throw new ArgumentOutOfRangeException(nameof(realMultiplier), realMultiplier, "a requantization multiplier must be below 2^30");
        }

        return new QuantizedMultiplier((int)mantissa, shift);
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
    public int Apply(int x) => FixedPoint.MultiplyByQuantizedMultiplier(x, Multiplier, Shift);

    public double RealValue => Multiplier * Math.ScaleB(1.0, Shift - 31);
}
