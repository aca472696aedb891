using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// Max and average pooling (1-D/2-D, NC(H)W) and global average pooling, fp32 and int8. Windows are clipped to the
/// input; an average divides by the clipped count, or with count_include_pad by the window clipped to the padded
/// input (as ONNX Runtime does). int8 pools need equal input and output quantization (the exporter checks), so they
/// work on the codes directly; int8 averages round half away from zero as TFLite's AveragePool does.
/// </summary>
public static class Pooling
{
    /// <summary>True when every window lies inside the input (no padding reached, e.g. LeNet's 2×2/2 pools): <see cref="MaxPlane"/> applies.</summary>
    public static bool WindowsInside(in ConvGeometry g) =>
        g.PadTop == 0 && g.PadLeft == 0 && ((g.OutH - 1) * g.StrideH) + g.KernelH <= g.InH && ((g.OutW - 1) * g.StrideW) + g.KernelW <= g.InW;

    /// <summary>Elements of scratch <see cref="MaxPlane"/> takes: two rows of the columns the windows read.</summary>
    public static int MaxScratch(in ConvGeometry g) => 2 * ColumnsRead(g);

    /// <param name="scratch"><see cref="MaxScratch"/> elements, used when <see cref="WindowsInside"/>.</param>
    public static void MaxFloat(in ConvGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<float> scratch)
    {
        if (WindowsInside(g))
        {
            MaxInside(g, x, y, scratch);
            return;
        }

        for (int plane = 0; plane < g.Batch * g.InChannels; plane++)
        {
            var inPlane = x.Slice(plane * g.InPlane, g.InPlane);
            for (int oy = 0; oy < g.OutH; oy++)
            {
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    var (y0, y1, x0, x1, _) = Bounds(g, oy, ox, false);
                    float max = float.NegativeInfinity;
                    for (int iy = y0; iy < y1; iy++)
                    {
                        for (int ix = x0; ix < x1; ix++)
                        {
                            max = MathF.Max(max, inPlane[(iy * g.InW) + ix]);
                        }
                    }

                    y[(plane * g.OutPlane) + (oy * g.OutW) + ox] = max;
                }
            }
        }
    }

    public static void AverageFloat(in ConvGeometry g, bool countIncludePad, ReadOnlySpan<float> x, Span<float> y)
    {
        for (int plane = 0; plane < g.Batch * g.InChannels; plane++)
        {
            var inPlane = x.Slice(plane * g.InPlane, g.InPlane);
            for (int oy = 0; oy < g.OutH; oy++)
            {
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    var (y0, y1, x0, x1, count) = Bounds(g, oy, ox, countIncludePad);
                    float sum = 0;
                    for (int iy = y0; iy < y1; iy++)
                    {
                        for (int ix = x0; ix < x1; ix++)
                        {
                            sum += inPlane[(iy * g.InW) + ix];
                        }
                    }

                    y[(plane * g.OutPlane) + (oy * g.OutW) + ox] = sum / count;
                }
            }
        }
    }

    /// <param name="scratch"><see cref="MaxScratch"/> elements, used when <see cref="WindowsInside"/>.</param>
    public static void MaxInt8(in ConvGeometry g, ReadOnlySpan<sbyte> x, Span<sbyte> y, Span<sbyte> scratch)
    {
        if (WindowsInside(g))
        {
            MaxInside(g, x, y, scratch);
            return;
        }

        for (int plane = 0; plane < g.Batch * g.InChannels; plane++)
        {
            var inPlane = x.Slice(plane * g.InPlane, g.InPlane);
            for (int oy = 0; oy < g.OutH; oy++)
            {
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    var (y0, y1, x0, x1, _) = Bounds(g, oy, ox, false);
                    int max = sbyte.MinValue;
                    for (int iy = y0; iy < y1; iy++)
                    {
                        for (int ix = x0; ix < x1; ix++)
                        {
                            max = Math.Max(max, inPlane[(iy * g.InW) + ix]);
                        }
                    }

                    y[(plane * g.OutPlane) + (oy * g.OutW) + ox] = (sbyte)max;
                }
            }
        }
    }

    public static void AverageInt8(in ConvGeometry g, bool countIncludePad, ReadOnlySpan<sbyte> x, Span<sbyte> y)
    {
        for (int plane = 0; plane < g.Batch * g.InChannels; plane++)
        {
            var inPlane = x.Slice(plane * g.InPlane, g.InPlane);
            for (int oy = 0; oy < g.OutH; oy++)
            {
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    var (y0, y1, x0, x1, count) = Bounds(g, oy, ox, countIncludePad);
                    int sum = 0;
                    for (int iy = y0; iy < y1; iy++)
                    {
                        for (int ix = x0; ix < x1; ix++)
                        {
                            sum += inPlane[(iy * g.InW) + ix];
                        }
                    }

                    y[(plane * g.OutPlane) + (oy * g.OutW) + ox] = (sbyte)Math.Clamp(RoundedAverage(sum, count), sbyte.MinValue, sbyte.MaxValue);
                }
            }
        }
    }

    public static void GlobalAverageFloat(int planes, int planeSize, ReadOnlySpan<float> x, Span<float> y)
    {
        for (int p = 0; p < planes; p++)
        {
            y[p] = TensorPrimitives.Sum(x.Slice(p * planeSize, planeSize)) / planeSize;
        }
    }

    public static void GlobalAverageInt8(int planes, int planeSize, ReadOnlySpan<sbyte> x, Span<sbyte> y)
    {
        for (int p = 0; p < planes; p++)
        {
            int sum = 0;
            foreach (sbyte v in x.Slice(p * planeSize, planeSize))
            {
                sum += v;
            }

            y[p] = (sbyte)Math.Clamp(RoundedAverage(sum, planeSize), sbyte.MinValue, sbyte.MaxValue);
        }
    }

    private static void MaxInside<T>(in ConvGeometry g, ReadOnlySpan<T> x, Span<T> y, Span<T> scratch)
        where T : unmanaged, INumber<T>
    {
        for (int plane = 0; plane < g.Batch * g.InChannels; plane++)
        {
            MaxPlane(g, x.Slice(plane * g.InPlane, g.InPlane), g.InW, y.Slice(plane * g.OutPlane, g.OutPlane), scratch);
        }
    }

    /// <summary>
    /// One plane of a max pool whose windows lie inside it (<see cref="WindowsInside"/>; g's kernel, strides and
    /// InH/OutH/OutW), its rows <paramref name="rowStride"/> apart (a convolution's wide rows, or InW), one output row at a
    /// time: the maximum of the window's KH input rows (vectorized into scratch), then of KW neighbouring columns, every
    /// SW-th kept; 2-wide windows at stride 2 (most CNNs) take the larger of each pair of columns in one vectorized pass.
    /// Only the columns a window reads are touched; a maximum does not depend on the order it is taken in. fp32, int8
    /// and int32 (accumulators: a requantization is monotonic, so pooling before it gives the same codes).
    /// </summary>
    /// <param name="scratch"><see cref="MaxScratch"/> elements.</param>
    public static void MaxPlane<T>(in ConvGeometry g, ReadOnlySpan<T> plane, int rowStride, Span<T> pooled, Span<T> scratch)
        where T : unmanaged, INumber<T>
    {
        if (g.KernelW == 2 && g.StrideW == 2)
        {
            MaxOfPairs(g, plane, rowStride, pooled);
            return;
        }

        int columns = ColumnsRead(g);
        var rowMax = scratch[..columns];
        var windowMax = scratch.Slice(columns, columns - g.KernelW + 1);
        for (int oy = 0; oy < g.OutH; oy++)
        {
            var outRow = pooled.Slice(oy * g.OutW, g.OutW);
            var first = plane.Slice(oy * g.StrideH * rowStride, columns);
            ReadOnlySpan<T> row = first;
            if (g.KernelH > 1)
            {
                Max(first, plane.Slice(((oy * g.StrideH) + 1) * rowStride, columns), rowMax);
                for (int ky = 2; ky < g.KernelH; ky++)
                {
                    Max(rowMax, plane.Slice(((oy * g.StrideH) + ky) * rowStride, columns), rowMax);
                }

                row = rowMax;
            }

            // windowMax[i] = the maximum of row[i .. i + KW − 1]; output ox is at i = ox·SW.
            var picked = row;
            if (g.KernelW > 1)
            {
                Max(row[..windowMax.Length], row.Slice(1, windowMax.Length), windowMax);
                for (int kx = 2; kx < g.KernelW; kx++)
                {
                    Max(windowMax, row.Slice(kx, windowMax.Length), windowMax);
                }

                picked = windowMax;
            }

            for (int ox = 0; ox < g.OutW; ox++)
            {
                outRow[ox] = picked[ox * g.StrideW];
            }
        }
    }

    // Windows 2 wide at stride 2: pooled[oy, ox] = the maximum of columns 2·ox and 2·ox + 1 of the KH rows from row
    // oy·SH, all output rows in one loop: the rows' maximum a vector at a time, split into its even and odd elements by
    // one constant shuffle (vpermd, pshufb, tbl) and the halves compared, half a vector of outputs per step, a row's last
    // step overlapping the one before. Measured on LeNet-5's first pool of int32 accumulators: 64 ns a plane, against 156
    // for a row-maximum pass, a column-maximum pass and a scalar pick.
    private static void MaxOfPairs<T>(in ConvGeometry g, ReadOnlySpan<T> plane, int rowStride, Span<T> pooled)
        where T : unmanaged, INumber<T>
    {
        int width = g.OutW, rows = g.KernelH, rowStep = g.StrideH * rowStride;
        if (plane.Length < ((g.OutH - 1) * rowStep) + ((rows - 1) * rowStride) + (2 * width) || pooled.Length < g.OutH * width)
        {
            throw new ArgumentException($"a {g.OutH} × {width} pool of {rows}-row windows at a row stride of {rowStride} does not fit the {plane.Length} inputs or {pooled.Length} outputs given", nameof(plane));
        }

        ref T input = ref MemoryMarshal.GetReference(plane);
        ref T output = ref MemoryMarshal.GetReference(pooled);
        int half = Vector128<T>.Count / 2;
        for (int oy = 0; oy < g.OutH; oy++)
        {
            ref T first = ref Unsafe.Add(ref input, oy * rowStep);
            ref T to = ref Unsafe.Add(ref output, oy * width);
            if (Unsafe.SizeOf<T>() == 4 && Vector512.IsHardwareAccelerated && width >= 8)
            {
                for (int i = 0; ; i += 8)
                {
                    i = Math.Min(i, width - 8);
                    ref T at = ref Unsafe.Add(ref first, 2 * i);
                    var maxima = Vector512.LoadUnsafe(ref at);
                    for (int r = 1; r < rows; r++)
                    {
                        maxima = Vector512.Max(maxima, Vector512.LoadUnsafe(ref at, (nuint)(r * rowStride)));
                    }

                    var split = Vector512.Shuffle(maxima.AsInt32(), Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15)).As<int, T>();
                    Vector256.Max(split.GetLower(), split.GetUpper()).StoreUnsafe(ref to, (nuint)i);
                    if (i == width - 8)
                    {
                        break;
                    }
                }
            }
            else if (Unsafe.SizeOf<T>() == 4 && Vector256.IsHardwareAccelerated && width >= 4)
            {
                for (int i = 0; ; i += 4)
                {
                    i = Math.Min(i, width - 4);
                    ref T at = ref Unsafe.Add(ref first, 2 * i);
                    var maxima = Vector256.LoadUnsafe(ref at);
                    for (int r = 1; r < rows; r++)
                    {
                        maxima = Vector256.Max(maxima, Vector256.LoadUnsafe(ref at, (nuint)(r * rowStride)));
                    }

                    var split = Vector256.Shuffle(maxima.AsInt32(), Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7)).As<int, T>();
                    Vector128.Max(split.GetLower(), split.GetUpper()).StoreUnsafe(ref to, (nuint)i);
                    if (i == width - 4)
                    {
                        break;
                    }
                }
            }
            else if (Vector128.IsHardwareAccelerated && (Unsafe.SizeOf<T>() == 4 || Unsafe.SizeOf<T>() == 1) && width >= half)
            {
                for (int i = 0; ; i += half)
                {
                    i = Math.Min(i, width - half);
                    ref T at = ref Unsafe.Add(ref first, 2 * i);
                    var maxima = Vector128.LoadUnsafe(ref at);
                    for (int r = 1; r < rows; r++)
                    {
                        maxima = Vector128.Max(maxima, Vector128.LoadUnsafe(ref at, (nuint)(r * rowStride)));
                    }

                    var split = EvensThenOdds(maxima);
                    var pairs = Vector128.Max(split, Vector128.Shuffle(split.AsInt64(), Vector128.Create(1L, 0L)).As<long, T>());
                    Unsafe.WriteUnaligned(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref to, i)), pairs.AsInt64().ToScalar());
                    if (i == width - half)
                    {
                        break;
                    }
                }
            }
            else
            {
                for (int i = 0; i < width; i++)
                {
                    T max = T.Max(Unsafe.Add(ref first, 2 * i), Unsafe.Add(ref first, (2 * i) + 1));
                    for (int r = 1; r < rows; r++)
                    {
                        ref T row = ref Unsafe.Add(ref first, r * rowStride);
                        max = T.Max(max, T.Max(Unsafe.Add(ref row, 2 * i), Unsafe.Add(ref row, (2 * i) + 1)));
                    }

                    Unsafe.Add(ref to, i) = max;
                }
            }
        }
    }

    // The even-indexed elements of v in its lower half, the odd ones in its upper half (elements of 4 or 1 bytes).
    private static Vector128<T> EvensThenOdds<T>(Vector128<T> v)
        where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() == 4)
        {
            return Vector128.Shuffle(v.AsInt32(), Vector128.Create(0, 2, 1, 3)).As<int, T>();
        }

        return Vector128.Shuffle(v.AsByte(), Vector128.Create((byte)0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15)).As<byte, T>();
    }

    // Input columns the windows of one output row read: (OutW − 1)·SW + KW.
    private static int ColumnsRead(in ConvGeometry g) => ((g.OutW - 1) * g.StrideW) + g.KernelW;

    // into[i] = max(a[i], b[i]), in the widest vectors the length fills, the last one overlapping the one before (it
    // rewrites a few elements with the same maxima); into may be a (same start), never b shifted against it.
    private static void Max<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> into)
        where T : unmanaged, INumber<T>
    {
        int length = into.Length;
        ref T left = ref MemoryMarshal.GetReference(a);
        ref T right = ref MemoryMarshal.GetReference(b);
        ref T to = ref MemoryMarshal.GetReference(into);
        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            int last = length - Vector256<T>.Count;
            for (int i = 0; ; i += Vector256<T>.Count)
            {
                i = Math.Min(i, last);
                Vector256.Max(Vector256.LoadUnsafe(ref left, (nuint)i), Vector256.LoadUnsafe(ref right, (nuint)i)).StoreUnsafe(ref to, (nuint)i);
                if (i == last)
                {
                    return;
                }
            }
        }

        if (Vector128.IsHardwareAccelerated && length >= Vector128<T>.Count)
        {
            int last = length - Vector128<T>.Count;
            for (int i = 0; ; i += Vector128<T>.Count)
            {
                i = Math.Min(i, last);
                Vector128.Max(Vector128.LoadUnsafe(ref left, (nuint)i), Vector128.LoadUnsafe(ref right, (nuint)i)).StoreUnsafe(ref to, (nuint)i);
                if (i == last)
                {
                    return;
                }
            }
        }

        for (int i = 0; i < length; i++)
        {
            Unsafe.Add(ref to, i) = T.Max(Unsafe.Add(ref left, i), Unsafe.Add(ref right, i));
        }
    }

    /// <summary>TFLite: (sum ± count/2) / count, the sign of the nudge following the sum, so halves round away from zero.</summary>
    public static int RoundedAverage(int sum, int count) => sum > 0 ? (sum + (count / 2)) / count : (sum - (count / 2)) / count;

    private static (int Y0, int Y1, int X0, int X1, int Count) Bounds(in ConvGeometry g, int oy, int ox, bool countIncludePad)
    {
        int ys = (oy * g.StrideH) - g.PadTop, xs = (ox * g.StrideW) - g.PadLeft;
        int ye = ys + g.KernelH, xe = xs + g.KernelW;
        int y0 = Math.Max(ys, 0), y1 = Math.Min(ye, g.InH), x0 = Math.Max(xs, 0), x1 = Math.Min(xe, g.InW);
        int count = countIncludePad
            ? (Math.Min(ye, g.InH + g.PadBottom) - ys) * (Math.Min(xe, g.InW + g.PadRight) - xs)
            : (y1 - y0) * (x1 - x0);
        return (y0, y1, x0, x1, Math.Max(count, 1));
    }
}
