using EdgePrune.Compression.Quantization;

namespace EdgePrune.Compression.Tests.Quantization;

/// <summary>The TFLite integer primitives against hand-computed values and exact rational arithmetic.</summary>
public class FixedPointTests
{
    [Theory]
    [InlineData(1 << 30, 1 << 30, 1 << 29)] // 2^60·2 / 2^32 = 2^29 exactly
    [InlineData(3, 1 << 30, 2)] // 3·2^31/2^32 = 1.5 → 2 (half away from zero)
    [InlineData(-3, 1 << 30, -1)] // −1.5 → −1: the negative nudge 1 − 2^30 sends exact negative ties towards zero (gemmlowp)
    [InlineData(5, 1 << 29, 1)] // 1.25 → 1
    [InlineData(int.MinValue, int.MinValue, int.MaxValue)] // the saturating case
    public void SaturatingRoundingDoublingHighMul_matches_hand_computed_values(int a, int b, int expected) =>
        Assert.Equal(expected, EdgePrune.Runtime.Kernels.FixedPoint.SaturatingRoundingDoublingHighMul(a, b));

    [Theory]
    [InlineData(5, 1, 3)] // 2.5 → 3
    [InlineData(-5, 1, -3)] // −2.5 → −3 (away from zero, unlike an arithmetic shift)
    [InlineData(3, 1, 2)]
    [InlineData(-3, 1, -2)]
    [InlineData(7, 2, 2)] // 1.75 → 2
    [InlineData(-6, 2, -2)] // −1.5 → −2
    [InlineData(100, 0, 100)]
    public void RoundingDivideByPot_rounds_half_away_from_zero(int x, int exponent, int expected) =>
        Assert.Equal(expected, EdgePrune.Runtime.Kernels.FixedPoint.RoundingDivideByPOT(x, exponent));

    [Theory]
    [InlineData(0.5, 1 << 30, 0)]
    [InlineData(1.0, 1 << 30, 1)]
    [InlineData(0.75, 1610612736, 0)] // 0.75·2^31
    [InlineData(0.1, 1717986918, -3)] // 0.8·2^31 = 1717986918.4
    [InlineData(0.0, 0, 0)]
    public void Quantize_splits_a_multiplier_into_mantissa_and_shift(double real, int multiplier, int shift)
    {
        var q = FixedPoint.Quantize(real);
        Assert.Equal(multiplier, q.Multiplier);
        Assert.Equal(shift, q.Shift);
    }

    [Fact]
    public void MultiplyByQuantizedMultiplier_is_within_one_of_exact_rounding_on_random_values()
    {
        var random = new Random(31);
        for (int trial = 0; trial < 20000; trial++)
        {
            double real = Math.Exp(random.NextDouble() * 14 - 12); // 6e-6 … 7.4
            int x = random.Next(-(1 << 22), 1 << 22);
            var q = FixedPoint.Quantize(real);
            double exact = x * q.RealValue;
            int actual = q.Apply(x);
            Assert.True(Math.Abs(actual - exact) <= 0.5 + 1e-9 + Math.Abs(exact) * 1e-9 || Math.Abs(actual - Math.Round(exact, MidpointRounding.AwayFromZero)) <= 1,
                $"x={x}, M={real}: {actual} vs exact {exact}");
            Assert.True(Math.Abs(q.RealValue - real) <= real * Math.ScaleB(1, -30));
        }
    }

    [Fact]
    public void Rescale_with_headroom_rounds_small_values_to_nearest()
    {
        // 255 values times 1/3: the rescale must round each to the nearest integer, which a plain Q31 multiply of an
        // unshifted value cannot (it rounds once to an integer and again in the shift).
        var rescale = Rescale.Create(1.0 / 3, 255);
        for (int x = -255; x <= 255; x++)
        {
            Assert.Equal((int)Math.Round(x / 3.0, MidpointRounding.AwayFromZero), rescale.Apply(x));
        }
    }
}
