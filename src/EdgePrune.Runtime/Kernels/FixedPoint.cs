namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// The integer arithmetic of TFLite's int8 scheme (docs/format.md "Numerics", DESIGN.md "Numerics"), as gemmlowp's
/// fixedpoint.h and TFLite's quantization_util.cc define it, so every int8 kernel requantizes bit-identically to them.
/// </summary>
public static class FixedPoint
{
    /// <summary>
    /// Splits a positive real multiplier into a Q31 fixed-point multiplier and a power-of-two exponent, so that
    /// real ≈ multiplier · 2^(shift − 31) (TFLite QuantizeMultiplier: frexp, round half away, carry on 2^31,
    /// flush to zero below 2^−31).
    /// </summary>
    public static (int Multiplier, int Shift) QuantizeMultiplier(double real)
    {
        if (real == 0)
        {
            return (0, 0);
        }

        double fraction = Frexp(real, out int shift);
        long q = (long)Math.Round(fraction * (1L << 31), MidpointRounding.AwayFromZero);
        if (q == 1L << 31)
        {
            q /= 2;
            shift++;
        }

        if (shift < -31)
        {
            return (0, 0);
        }

        return ((int)q, shift);
    }

    /// <summary>(a·b·2 + 2^30) >> 31 with the one overflowing case (both int.MinValue) saturated: gemmlowp's SaturatingRoundingDoublingHighMul.</summary>
    public static int SaturatingRoundingDoublingHighMul(int a, int b)
    {
        if (a == int.MinValue && b == int.MinValue)
        {
            return int.MaxValue;
        }

        long ab = (long)a * b;
        long nudge = ab >= 0 ? 1L << 30 : 1 - (1L << 30);
        return (int)((ab + nudge) / (1L << 31));
    }

    /// <summary>x / 2^exponent rounded half away from zero: gemmlowp's RoundingDivideByPOT.</summary>
    public static int RoundingDivideByPOT(int x, int exponent)
    {
        int mask = (int)((1L << exponent) - 1);
        int remainder = x & mask;
        int threshold = (mask >> 1) + (x < 0 ? 1 : 0);
        return (x >> exponent) + (remainder > threshold ? 1 : 0);
    }

    /// <summary>TFLite MultiplyByQuantizedMultiplier: x · multiplier · 2^(shift − 31), rounded as gemmlowp does.</summary>
    public static int MultiplyByQuantizedMultiplier(int x, int multiplier, int shift)
    {
        int leftShift = shift > 0 ? shift : 0;
        int rightShift = shift > 0 ? 0 : -shift;
        return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(unchecked(x * (1 << leftShift)), multiplier), rightShift);
    }

    /// <summary>TFLite MultiplyByQuantizedMultiplierSmallerThanOneExp (the shift is ≤ 0), used by int8 Add.</summary>
    public static int MultiplyByQuantizedMultiplierSmallerThanOneExp(int x, int multiplier, int shift) =>
        RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, multiplier), -shift);

    private static double Frexp(double value, out int exponent)
    {
        long bits = BitConverter.DoubleToInt64Bits(value);
        int rawExponent = (int)((bits >> 52) & 0x7FF);
        if (rawExponent == 0)
        {
            double scaled = Frexp(value * (1L << 54), out exponent);
            exponent -= 54;
            return scaled;
        }

        exponent = rawExponent - 1022;
        return BitConverter.Int64BitsToDouble((bits & ~(0x7FFL << 52)) | (1022L << 52));
    }
}
