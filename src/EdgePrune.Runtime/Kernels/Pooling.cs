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
    public static void MaxFloat(in ConvGeometry g, ReadOnlySpan<float> x, Span<float> y)
    {
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

    /// <summary>Widest input row the int8 max pool reduces on the stack (<see cref="MaxInt8Inside"/>).</summary>
    private const int MaxStackRow = 4096;

    public static void MaxInt8(in ConvGeometry g, ReadOnlySpan<sbyte> x, Span<sbyte> y)
    {
        if (((g.OutH - 1) * g.StrideH) + g.KernelH <= g.InH && ((g.OutW - 1) * g.StrideW) + g.KernelW <= g.InW
            && g.PadTop == 0 && g.PadLeft == 0 && g.InW <= MaxStackRow)
        {
            MaxInt8Inside(g, x, y);
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

    /// <summary>
    /// Max pooling whose windows all lie inside the input (no padding, no ceil-mode overhang): each output row's input rows
    /// are reduced to one row by vector maxima, then each window's columns of that row; 2-wide windows at stride 2 (LeNet's)
    /// take eight outputs per vector, from sixteen bytes read as int16 pairs whose low and high bytes are compared.
    /// </summary>
    private static void MaxInt8Inside(in ConvGeometry g, ReadOnlySpan<sbyte> x, Span<sbyte> y)
    {
        Span<sbyte> rowMax = stackalloc sbyte[g.InW];
        bool pairs = g.KernelW == 2 && g.StrideW == 2 && g.OutW >= Vector128<short>.Count && Vector128.IsHardwareAccelerated;
        int last = g.OutW - Vector128<short>.Count;
        for (int plane = 0; plane < g.Batch * g.InChannels; plane++)
        {
            var inPlane = x.Slice(plane * g.InPlane, g.InPlane);
            for (int oy = 0; oy < g.OutH; oy++)
            {
                var top = inPlane.Slice(oy * g.StrideH * g.InW);
                if (g.KernelH == 1)
                {
                    top[..g.InW].CopyTo(rowMax);
                }
                else
                {
                    TensorPrimitives.Max(top[..g.InW], top.Slice(g.InW, g.InW), rowMax);
                }

                for (int ky = 2; ky < g.KernelH; ky++)
                {
                    TensorPrimitives.Max(rowMax, top.Slice(ky * g.InW, g.InW), rowMax);
                }

                var outRow = y.Slice((plane * g.OutPlane) + (oy * g.OutW), g.OutW);
                if (pairs)
                {
                    ref sbyte from = ref MemoryMarshal.GetReference(rowMax);
                    ref sbyte to = ref MemoryMarshal.GetReference(outRow);
                    for (int ox = 0; ; ox += Vector128<short>.Count)
                    {
                        // The last eight outputs overlap the previous eight when the row is not a multiple of eight.
                        ox = Math.Min(ox, last);
                        var both = Vector128.LoadUnsafe(ref from, (nuint)(2 * ox)).AsInt16();
                        var max = Vector128.Max(Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(both, 8), 8), Vector128.ShiftRightArithmetic(both, 8));
                        Unsafe.WriteUnaligned(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref to, ox)), Vector128.Narrow(max, max).AsUInt64().ToScalar());
                        if (ox == last)
                        {
                            break;
                        }
                    }

                    continue;
                }

                for (int ox = 0; ox < g.OutW; ox++)
                {
                    int max = sbyte.MinValue;
                    foreach (sbyte v in rowMax.Slice(ox * g.StrideW, g.KernelW))
                    {
                        max = Math.Max(max, v);
                    }

                    outRow[ox] = (sbyte)max;
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
