using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    /// <summary>
    /// One channel's rows of <paramref name="width"/> outputs (a convolution's output plane): output[r·width + i] =
    /// Apply(accumulators[r·<paramref name="rowStride"/> + i] + bias, channel), rows = output.Length / width; eight at a
    /// time on AVX2, bit-identical to the scalar <see cref="Apply(int, int)"/>.
    /// </summary>
    public void ApplyRows(ReadOnlySpan<int> accumulators, int rowStride, int width, int bias, int channel, Span<sbyte> output)
    {
        int rows = width == 0 ? 0 : output.Length / width;
        int multiplier = Multipliers[channel], shift = Shifts[channel];
        if (rows > 0 && accumulators.Length < ((rows - 1) * rowStride) + width)
        {
            throw new ArgumentException($"{rows} rows of {width} at a stride of {rowStride} need more than the {accumulators.Length} accumulators given", nameof(accumulators));
        }

        // The vector high multiply has no saturating case; Create's multipliers lie in [0, 2^31), never int.MinValue.
        if (!Avx2.IsSupported || width < Vector256<int>.Count || multiplier == int.MinValue)
        {
            for (int r = 0; r < rows; r++)
            {
                for (int i = 0; i < width; i++)
                {
                    output[(r * width) + i] = Apply(unchecked(accumulators[(r * rowStride) + i] + bias), channel);
                }
            }

            return;
        }

        var p = new VectorParameters(
            Vector256.Create(multiplier), Vector256.Create(Math.Max(shift, 0)), Vector256.Create(Math.Max(-shift, 0)),
            Vector256.Create(OutputZeroPoint), Vector256.Create(ActivationMin), Vector256.Create(ActivationMax));
        var biasVector = Vector256.Create(bias);
        int last = width - Vector256<int>.Count;
        for (int r = 0; r < rows; r++)
        {
            ref int acc = ref Unsafe.Add(ref MemoryMarshal.GetReference(accumulators), r * rowStride);
            ref sbyte y = ref Unsafe.Add(ref MemoryMarshal.GetReference(output), r * width);
            for (int i = 0; ; i += Vector256<int>.Count)
            {
                // A row that is not a whole number of vectors ends with one vector overlapping the previous: it rewrites
                // a few outputs with the same values instead of falling back to scalar code.
                i = Math.Min(i, last);
                Store(Apply(Vector256.LoadUnsafe(ref acc, (nuint)i) + biasVector, p), ref Unsafe.Add(ref y, i));
                if (i == last)
                {
                    break;
                }
            }
        }
    }

    /// <summary>
    /// output[i] = Apply(accumulators[i] + biases[i], firstChannel + i) for consecutive channels (a fully connected
    /// layer's outputs); eight at a time on AVX2, bit-identical to the scalar <see cref="Apply(int, int)"/>.
    /// </summary>
    public void Apply(ReadOnlySpan<int> accumulators, ReadOnlySpan<int> biases, int firstChannel, Span<sbyte> output)
    {
        int length = accumulators.Length;
        var multipliers = Multipliers.AsSpan(firstChannel, length);
        var shifts = Shifts.AsSpan(firstChannel, length);
        if (output.Length < length || biases.Length < length)
        {
            throw new ArgumentException($"the output ({output.Length}) or the biases ({biases.Length}) are shorter than the {length} accumulators", nameof(output));
        }

        // The vector high multiply has no saturating case; Create's multipliers lie in [0, 2^31), never int.MinValue.
        if (!Avx2.IsSupported || length < Vector256<int>.Count || multipliers.Contains(int.MinValue))
        {
            for (int i = 0; i < length; i++)
            {
                output[i] = Apply(unchecked(accumulators[i] + biases[i]), firstChannel + i);
            }

            return;
        }

        ref int acc = ref MemoryMarshal.GetReference(accumulators);
        ref int bias = ref MemoryMarshal.GetReference(biases);
        ref int multiplier = ref MemoryMarshal.GetReference(multipliers);
        ref int shift = ref MemoryMarshal.GetReference(shifts);
        ref sbyte y = ref MemoryMarshal.GetReference(output);
        var zeroPoint = Vector256.Create(OutputZeroPoint);
        var min = Vector256.Create(ActivationMin);
        var max = Vector256.Create(ActivationMax);
        for (int i = 0; ; i += Vector256<int>.Count)
        {
            i = Math.Min(i, length - Vector256<int>.Count);
            var shiftVector = Vector256.LoadUnsafe(ref shift, (nuint)i);
            var p = new VectorParameters(
                Vector256.LoadUnsafe(ref multiplier, (nuint)i), Vector256.Max(shiftVector, Vector256<int>.Zero), Vector256.Max(-shiftVector, Vector256<int>.Zero),
                zeroPoint, min, max);
            Store(Apply(Vector256.LoadUnsafe(ref acc, (nuint)i) + Vector256.LoadUnsafe(ref bias, (nuint)i), p), ref Unsafe.Add(ref y, i));
            if (i == length - Vector256<int>.Count)
            {
                return;
            }
        }
    }

    /// <summary>Eight clamped int8 values (in int32 lanes) as eight bytes at <paramref name="output"/>; the saturating packs are exact after the clamp.</summary>
    private static void Store(Vector256<int> clamped, ref sbyte output)
    {
        var shorts = Sse2.PackSignedSaturate(clamped.GetLower(), clamped.GetUpper());
        Unsafe.WriteUnaligned(ref Unsafe.As<sbyte, byte>(ref output), Sse2.PackSignedSaturate(shorts, shorts).AsInt64().ToScalar());
    }

    /// <summary>
    /// <see cref="FixedPoint.MultiplyByQuantizedMultiplier"/>, zero point and clamp on eight lanes. The saturating
    /// rounding doubling high multiply (a·b + nudge) / 2^31, nudge 2^30 or 1 − 2^30 by the sign of a·b, truncated, equals
    /// ⌊(a·b + 2^30) / 2^31⌋ for every a·b, so it is bits 31..62 of the 64-bit a·b + 2^30 (vpmuldq on even and odd lanes).
    /// </summary>
    private static Vector256<int> Apply(Vector256<int> accumulator, in VectorParameters p)
    {
        var x = Avx2.ShiftLeftLogicalVariable(accumulator, p.LeftShift.AsUInt32());
        var nudge = Vector256.Create(1L << 30);
        var even = Avx2.Multiply(x, p.Multiplier) + nudge;
        var odd = Avx2.Multiply(Avx2.ShiftRightLogical(x.AsInt64(), 32).AsInt32(), Avx2.ShiftRightLogical(p.Multiplier.AsInt64(), 32).AsInt32()) + nudge;
        var high = Avx2.Blend(Avx2.ShiftRightLogical(even, 31).AsInt32(), Avx2.ShiftLeftLogical(odd, 1).AsInt32(), 0b10101010);

        // RoundingDivideByPOT: the remainder below 2^shift rounds up past half of it, half included for negative values.
        var mask = Avx2.ShiftLeftLogicalVariable(Vector256<int>.One, p.RightShift.AsUInt32()) - Vector256<int>.One;
        var threshold = Avx2.ShiftRightArithmetic(mask, 1) - Avx2.ShiftRightArithmetic(high, 31);
        var rounded = Avx2.ShiftRightArithmeticVariable(high, p.RightShift.AsUInt32()) - Avx2.CompareGreaterThan(high & mask, threshold);
        return Vector256.Min(Vector256.Max(rounded + p.ZeroPoint, p.Min), p.Max);
    }

    private readonly record struct VectorParameters(
        Vector256<int> Multiplier, Vector256<int> LeftShift, Vector256<int> RightShift,
        Vector256<int> ZeroPoint, Vector256<int> Min, Vector256<int> Max);
}
