using EdgePrune.Runtime.Kernels;

namespace EdgePrune.Runtime.Tests;

/// <summary>The TFLite/gemmlowp fixed-point primitives against values worked out by hand from their definitions.</summary>
public class FixedPointTests
{
    [Theory]
    [InlineData(5, 1, 3)]
    [InlineData(-5, 1, -3)]
    [InlineData(-3, 1, -2)]
    [InlineData(3, 1, 2)]
    [InlineData(6, 2, 2)]
    [InlineData(-6, 2, -2)]
    [InlineData(-7, 2, -2)]
    [InlineData(7, 0, 7)]
    public void RoundingDivideByPOT_rounds_half_away_from_zero(int x, int exponent, int expected) =>
        Assert.Equal(expected, FixedPoint.RoundingDivideByPOT(x, exponent));

    [Fact]
    public void SaturatingRoundingDoublingHighMul_saturates_the_single_overflow_and_rounds()
    {
        Assert.Equal(int.MaxValue, FixedPoint.SaturatingRoundingDoublingHighMul(int.MinValue, int.MinValue));
        Assert.Equal(1 << 29, FixedPoint.SaturatingRoundingDoublingHighMul(1 << 30, 1 << 30));
        Assert.Equal(1, FixedPoint.SaturatingRoundingDoublingHighMul(1, 1 << 30));
        Assert.Equal(0, FixedPoint.SaturatingRoundingDoublingHighMul(-1, 1 << 30));
    }

    [Theory]
    [InlineData(0.5, 1 << 30, 0)]
    [InlineData(0.25, 1 << 30, -1)]
    [InlineData(1.0, 1 << 30, 1)]
    [InlineData(0.75, 1610612736, 0)]
    public void QuantizeMultiplier_splits_into_q31_and_exponent(double real, int multiplier, int shift) =>
        Assert.Equal((multiplier, shift), FixedPoint.QuantizeMultiplier(real));

    [Fact]
    public void MultiplyByQuantizedMultiplier_scales_by_the_real_multiplier()
    {
        var (m, s) = FixedPoint.QuantizeMultiplier(0.25);
        Assert.Equal(25, FixedPoint.MultiplyByQuantizedMultiplier(100, m, s));
        Assert.Equal(-25, FixedPoint.MultiplyByQuantizedMultiplier(-100, m, s));
        Assert.Equal(3, FixedPoint.MultiplyByQuantizedMultiplier(10, m, s));
        Assert.Equal(-3, FixedPoint.MultiplyByQuantizedMultiplier(-10, m, s));
        var (m3, s3) = FixedPoint.QuantizeMultiplier(3.0);
        Assert.Equal(300, FixedPoint.MultiplyByQuantizedMultiplier(100, m3, s3));
    }
}
