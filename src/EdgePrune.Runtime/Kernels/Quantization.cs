using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// Per-tensor QuantizeLinear / DequantizeLinear with ONNX semantics (x / scale rounded half to even, saturated to int8).
/// The spans are converted 32 values at a time with Vector256 (AVX2), then 16 with Vector128 (SSE, NEON), then one at
/// a time; every lane performs the same IEEE operations in the same order as <see cref="QuantizeOne"/> and the scalar
/// dequantize, so the vector paths are bit-identical to them.
/// </summary>
public static class Quantization
{
    /// <summary>y[i] = <see cref="QuantizeOne"/>(x[i], scale, zeroPoint); y must hold at least x.Length values.</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<sbyte> y, float scale, int zeroPoint)
    {
        if (y.Length < x.Length)
        {
            throw new ArgumentException($"the destination holds {y.Length} values, fewer than the source's {x.Length}", nameof(y));
        }

        ref float source = ref MemoryMarshal.GetReference(x);
        ref sbyte destination = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var lanes = new QuantizeLanes256(scale, zeroPoint);
            for (; i + 32 <= x.Length; i += 32)
            {
                var low = Vector256.Narrow(lanes.Codes(Vector256.LoadUnsafe(ref source, (nuint)i)), lanes.Codes(Vector256.LoadUnsafe(ref source, (nuint)i + 8)));
                var high = Vector256.Narrow(lanes.Codes(Vector256.LoadUnsafe(ref source, (nuint)i + 16)), lanes.Codes(Vector256.LoadUnsafe(ref source, (nuint)i + 24)));
                Vector256.Narrow(low, high).StoreUnsafe(ref destination, (nuint)i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            var lanes = new QuantizeLanes128(scale, zeroPoint);
            for (; i + 16 <= x.Length; i += 16)
            {
                var low = Vector128.Narrow(lanes.Codes(Vector128.LoadUnsafe(ref source, (nuint)i)), lanes.Codes(Vector128.LoadUnsafe(ref source, (nuint)i + 4)));
                var high = Vector128.Narrow(lanes.Codes(Vector128.LoadUnsafe(ref source, (nuint)i + 8)), lanes.Codes(Vector128.LoadUnsafe(ref source, (nuint)i + 12)));
                Vector128.Narrow(low, high).StoreUnsafe(ref destination, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            y[i] = QuantizeOne(x[i], scale, zeroPoint);
        }
    }

    public static sbyte QuantizeOne(float x, float scale, int zeroPoint)
    {
        float v = MathF.Round(x / scale, MidpointRounding.ToEven) + zeroPoint;
        return float.IsNaN(v) ? (sbyte)zeroPoint : (sbyte)Math.Clamp(v, sbyte.MinValue, sbyte.MaxValue);
    }

    /// <summary>y[i] = (float)(x[i] - zeroPoint) * scale; y must hold at least x.Length values.</summary>
    public static void Dequantize(ReadOnlySpan<sbyte> x, Span<float> y, float scale, int zeroPoint)
    {
        if (y.Length < x.Length)
        {
            throw new ArgumentException($"the destination holds {y.Length} values, fewer than the source's {x.Length}", nameof(y));
        }

        ref sbyte source = ref MemoryMarshal.GetReference(x);
        ref float destination = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var zero = Vector256.Create(zeroPoint);
            var factor = Vector256.Create(scale);
            for (; i + 32 <= x.Length; i += 32)
            {
                var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref source, (nuint)i));
                var (q0, q1) = Vector256.Widen(low);
                var (q2, q3) = Vector256.Widen(high);
                (Vector256.ConvertToSingle(q0 - zero) * factor).StoreUnsafe(ref destination, (nuint)i);
                (Vector256.ConvertToSingle(q1 - zero) * factor).StoreUnsafe(ref destination, (nuint)i + 8);
                (Vector256.ConvertToSingle(q2 - zero) * factor).StoreUnsafe(ref destination, (nuint)i + 16);
                (Vector256.ConvertToSingle(q3 - zero) * factor).StoreUnsafe(ref destination, (nuint)i + 24);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            var zero = Vector128.Create(zeroPoint);
            var factor = Vector128.Create(scale);
            for (; i + 16 <= x.Length; i += 16)
            {
                var (low, high) = Vector128.Widen(Vector128.LoadUnsafe(ref source, (nuint)i));
                var (q0, q1) = Vector128.Widen(low);
                var (q2, q3) = Vector128.Widen(high);
                (Vector128.ConvertToSingle(q0 - zero) * factor).StoreUnsafe(ref destination, (nuint)i);
                (Vector128.ConvertToSingle(q1 - zero) * factor).StoreUnsafe(ref destination, (nuint)i + 4);
                (Vector128.ConvertToSingle(q2 - zero) * factor).StoreUnsafe(ref destination, (nuint)i + 8);
                (Vector128.ConvertToSingle(q3 - zero) * factor).StoreUnsafe(ref destination, (nuint)i + 12);
            }
        }

        for (; i < x.Length; i++)
        {
            y[i] = (x[i] - zeroPoint) * scale;
        }
    }

    // QuantizeOne per lane: the clamp runs before the float → int conversion, so every converted lane is an integer in
    // [-128, 127] (NaN lanes are replaced afterwards, whatever the native min/max/convert made of them), and the int32 →
    // int8 narrowing truncates, as the (sbyte) cast does for an out-of-range zero point.
    private readonly struct QuantizeLanes256(float scale, int zeroPoint)
    {
        private readonly Vector256<float> _scale = Vector256.Create(scale);
        private readonly Vector256<float> _zeroPoint = Vector256.Create((float)zeroPoint);
        private readonly Vector256<int> _nanCode = Vector256.Create(zeroPoint);

        public Vector256<int> Codes(Vector256<float> x)
        {
            var v = Vector256.Round(x / _scale) + _zeroPoint;
            var clamped = Vector256.MinNative(Vector256.MaxNative(v, Vector256.Create((float)sbyte.MinValue)), Vector256.Create((float)sbyte.MaxValue));
            return Vector256.ConditionalSelect(Vector256.Equals(v, v).AsInt32(), Vector256.ConvertToInt32Native(clamped), _nanCode);
        }
    }

    private readonly struct QuantizeLanes128(float scale, int zeroPoint)
    {
        private readonly Vector128<float> _scale = Vector128.Create(scale);
        private readonly Vector128<float> _zeroPoint = Vector128.Create((float)zeroPoint);
        private readonly Vector128<int> _nanCode = Vector128.Create(zeroPoint);

        public Vector128<int> Codes(Vector128<float> x)
        {
            var v = Vector128.Round(x / _scale) + _zeroPoint;
            var clamped = Vector128.MinNative(Vector128.MaxNative(v, Vector128.Create((float)sbyte.MinValue)), Vector128.Create((float)sbyte.MaxValue));
            return Vector128.ConditionalSelect(Vector128.Equals(v, v).AsInt32(), Vector128.ConvertToInt32Native(clamped), _nanCode);
        }
    }
}
