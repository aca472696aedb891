using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// A vector of floats as a type parameter, so one register-tiled kernel serves every width: the JIT compiles a
/// separate body per struct argument, with no wrapper left in the loop. <see cref="FloatLanes512"/> where the CPU runs
/// 512-bit vectors natively (AVX-512: twice the multiply-adds per instruction of AVX2, and ONNX Runtime's MLAS uses
/// them there too), <see cref="FloatLanesNative"/> (<see cref="Vector{T}"/>: AVX2 on x64, NEON on ARM) elsewhere.
/// </summary>
internal interface IFloatLanes<TSelf>
    where TSelf : struct, IFloatLanes<TSelf>
{
    static abstract int Count { get; }

    static abstract TSelf Load(ref float at);

    static abstract TSelf Broadcast(float value);

    /// <summary>a·b + addend, fused.</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf addend);

    static abstract TSelf Add(TSelf a, TSelf b);

    static abstract TSelf Clamp(TSelf value, TSelf low, TSelf high);

    static abstract void Store(TSelf value, ref float at);

    static abstract float Sum(TSelf value);
}

internal readonly struct FloatLanes512(Vector512<float> value) : IFloatLanes<FloatLanes512>
{
    private readonly Vector512<float> _value = value;

    public static int Count => Vector512<float>.Count;

    /// <summary>True where 512-bit vectors run natively; use <see cref="FloatLanesNative"/> otherwise.</summary>
    public static bool Accelerated => Vector512.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatLanes512 Load(ref float at) => new(Vector512.LoadUnsafe(ref at));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatLanes512 Broadcast(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatLanes512 MultiplyAdd(FloatLanes512 a, FloatLanes512 b, FloatLanes512 addend) => new(Vector512.FusedMultiplyAdd(a._value, b._value, addend._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatLanes512 Add(FloatLanes512 a, FloatLanes512 b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatLanes512 Clamp(FloatLanes512 value, FloatLanes512 low, FloatLanes512 high) => new(Vector512.Min(Vector512.Max(value._value, low._value), high._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(FloatLanes512 value, ref float at) => value._value.StoreUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(FloatLanes512 value) => Vector512.Sum(value._value);
}

internal readonly struct FloatLanesNative(Vector<float> value) : IFloatLanes<FloatLanesNative>
{
    private readonly Vector<float> _value = value;

    public static int Count => Vector<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatLanesNative Load(ref float at) => new(Vector.LoadUnsafe(ref at));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatLanesNative Broadcast(float value) => new(new Vector<float>(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatLanesNative MultiplyAdd(FloatLanesNative a, FloatLanesNative b, FloatLanesNative addend) => new(Vector.FusedMultiplyAdd(a._value, b._value, addend._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatLanesNative Add(FloatLanesNative a, FloatLanesNative b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatLanesNative Clamp(FloatLanesNative value, FloatLanesNative low, FloatLanesNative high) => new(Vector.Min(Vector.Max(value._value, low._value), high._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(FloatLanesNative value, ref float at) => value._value.StoreUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(FloatLanesNative value) => Vector.Sum(value._value);
}
