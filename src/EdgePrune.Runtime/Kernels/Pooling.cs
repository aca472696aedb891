using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// Max and average pooling (1-D/2-D, NC(H)W) and global average pooling, fp32 and int8. Windows are clipped to the
/// input; an average divides by the clipped count, or with count_include_pad by the window clipped to the padded
/// input (as ONNX Runtime does). int8 pools need equal input and output quantization (the exporter checks), so they
/// work on the codes directly; int8 averages round half away from zero as TFLite's AveragePool does.
/// </summary>
public static class Pooling
{
    /// <summary>
    /// True when every window lies inside the input (no padding reached, e.g. LeNet's 2×2/2 pools). Max pools then
    /// take the maximum of a window's KH input rows (a row at a time), then of KW neighbouring columns of those row
    /// maxima (the whole tensor at once), vectorized into scratch, and pick every SW-th; a maximum does not depend on
    /// the order it is taken in.
    /// </summary>
    /// <summary>Elements of scratch the max pools take when <see cref="WindowsInside"/>: two of OutH × InW per plane.</summary>
    public static int MaxScratch(in ConvGeometry g) => 2 * g.Batch * g.InChannels * g.OutH * g.InW;

    public static bool WindowsInside(in ConvGeometry g) =>
        g.PadTop == 0 && g.PadLeft == 0 && ((g.OutH - 1) * g.StrideH) + g.KernelH <= g.InH && ((g.OutW - 1) * g.StrideW) + g.KernelW <= g.InW;

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
        int planes = g.Batch * g.InChannels, rowsLength = planes * g.OutH * g.InW;

        // rows[plane, oy, i] = the maximum over input rows oy·SH .. oy·SH + KH − 1 of column i (the input itself for 1 × KW / 1).
        ReadOnlySpan<T> rows = x;
        if (g.KernelH > 1 || g.StrideH > 1)
        {
            var rowMax = scratch[..rowsLength];
            for (int plane = 0; plane < planes; plane++)
            {
                var inPlane = x.Slice(plane * g.InPlane, g.InPlane);
                for (int oy = 0; oy < g.OutH; oy++)
                {
                    var window = inPlane.Slice(oy * g.StrideH * g.InW, g.KernelH * g.InW);
                    var into = rowMax.Slice(((plane * g.OutH) + oy) * g.InW, g.InW);
                    if (g.KernelH == 1)
                    {
                        window.CopyTo(into);
                        continue;
                    }

                    Max(window[..g.InW], window.Slice(g.InW, g.InW), into);
                    for (int ky = 2; ky < g.KernelH; ky++)
                    {
                        Max(into, window.Slice(ky * g.InW, g.InW), into);
                    }
                }
            }

            rows = rowMax;
        }

        // picked[r, i] = the maximum of rows[r, i .. i + KW − 1], over all rows of all planes at once (values running
        // into the next row are never picked); output (plane, oy, ox) is at i = ox·SW of row (plane, oy).
        var picked = rows[..rowsLength];
        if (g.KernelW > 1)
        {
            int length = rowsLength - g.KernelW + 1;
            var windowMax = scratch.Slice(rowsLength, length);
            Max(rows[..length], rows.Slice(1, length), windowMax);
            for (int kx = 2; kx < g.KernelW; kx++)
            {
                Max(windowMax, rows.Slice(kx, length), windowMax);
            }

            picked = windowMax;
        }

        ref T from = ref MemoryMarshal.GetReference(picked);
        ref T to = ref MemoryMarshal.GetReference(y);
        for (int r = 0; r < planes * g.OutH; r++)
        {
            ref T row = ref Unsafe.Add(ref from, r * g.InW);
            ref T outRow = ref Unsafe.Add(ref to, r * g.OutW);
            for (int ox = 0; ox < g.OutW; ox++)
            {
                Unsafe.Add(ref outRow, ox) = Unsafe.Add(ref row, ox * g.StrideW);
            }
        }
    }

    // into[i] = max(a[i], b[i]), a vector at a time; into may be a (same start), never b shifted against it.
    private static void Max<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> into)
        where T : unmanaged, INumber<T>
    {
        int lanes = Vector<T>.Count, i = 0;
        ref T left = ref MemoryMarshal.GetReference(a);
        ref T right = ref MemoryMarshal.GetReference(b);
        ref T to = ref MemoryMarshal.GetReference(into);
        for (; i + lanes <= into.Length; i += lanes)
        {
            Vector.Max(Vector.LoadUnsafe(ref left, (nuint)i), Vector.LoadUnsafe(ref right, (nuint)i)).StoreUnsafe(ref to, (nuint)i);
        }

        for (; i < into.Length; i++)
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
