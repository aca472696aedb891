using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// fp32 convolution (1-D/2-D, groups, depthwise). Dense filters: im2col by whole output rows into a [taps, positions]
/// scratch (at most <see cref="ChunkPositions"/> positions at a time), then a register-blocked product with the group's
/// filter matrix: four filters (packed tap by tap) × one <see cref="Vector{T}"/> of positions per tile, one fused
/// multiply-add per tap and filter (AVX2 on x64, NEON on ARM). Sparse filters, given as rows of (tap, value) pairs decoded from any sparse encoding at load: a sum over
/// taps, each nonzero weight scaling a shifted input row into the output row (a vectorized multiply-add when the
/// stride is 1), so zero weights cost nothing and sparse filters run in proportion to their nonzeros.
/// </summary>
public static class ConvFloat
{
    /// <summary>Output positions gathered per im2col chunk (fewer whole output rows never straddle a chunk).</summary>
    public const int ChunkPositions = 128;

    /// <summary>Floats of scratch <see cref="Run"/> needs for dense filters: the im2col chunk and four packed filters.</summary>
    public static int ScratchFloats(in ConvGeometry g, bool dense) => dense ? (g.TapsPerFilter * ChunkStride(g)) + ((g.TapsPerFilter + 1) * 4) : 0;

    // Whole output rows per chunk, padded to a whole number of vectors so every tile load stays inside the chunk.
    private static int ChunkRows(in ConvGeometry g) => Math.Max(1, Math.Min(g.OutH, ChunkPositions / g.OutW));

    private static int ChunkStride(in ConvGeometry g)
    {
        int lanes = Vector<float>.Count;
        return ((ChunkRows(g) * g.OutW) + lanes - 1) / lanes * lanes;
    }

    /// <param name="rowStart">empty for dense filters; else M + 1 offsets into <paramref name="taps"/>/<paramref name="values"/>.</param>
    /// <param name="taps">empty for dense filters; else tap index c·KH·KW + ky·KW + kx of each stored value.</param>
    public static void Run(in ConvGeometry g, ReadOnlySpan<float> values, ReadOnlySpan<int> rowStart, ReadOnlySpan<int> taps, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, float min, float max, Span<float> scratch)
    {
        if (rowStart.IsEmpty)
        {
            RunDense(g, values, bias, x, y, min, max, scratch);
            return;
        }

        int kernelArea = g.KernelH * g.KernelW;
        for (int n = 0; n < g.Batch; n++)
        {
            for (int m = 0; m < g.OutChannels; m++)
            {
                var outPlane = y.Slice(((n * g.OutChannels) + m) * g.OutPlane, g.OutPlane);
                outPlane.Fill(bias.IsEmpty ? 0f : bias[m]);
                int group = m / g.OutChannelsPerGroup;
                for (int k = rowStart[m]; k < rowStart[m + 1]; k++)
                {
                    int tap = taps[k];
                    int c = tap / kernelArea, ky = tap % kernelArea / g.KernelW, kx = tap % g.KernelW;
                    int inChannel = (group * g.InChannelsPerGroup) + c;
                    var inPlane = x.Slice(((n * g.InChannels) + inChannel) * g.InPlane, g.InPlane);
                    AccumulateTap(g, inPlane, outPlane, values[k], ky, kx);
                }

                FullyConnectedFloat.Clamp(outPlane, min, max);
            }
        }
    }

    private static void RunDense(in ConvGeometry g, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, float min, float max, Span<float> scratch)
    {
        int k = g.TapsPerFilter, perGroup = g.OutChannelsPerGroup, rowsPerChunk = ChunkRows(g), stride = ChunkStride(g);
        var columns = scratch[..(k * stride)];
        var packed = scratch.Slice(k * stride, (k + 1) * 4);
        Span<float> partial = stackalloc float[Vector<float>.Count];
        for (int n = 0; n < g.Batch; n++)
        {
            for (int group = 0; group < g.Groups; group++)
            {
                for (int oy = 0; oy < g.OutH; oy += rowsPerChunk)
                {
                    int rows = Math.Min(rowsPerChunk, g.OutH - oy);
                    Im2Col(g, x, n, group, oy, rows, columns, stride);
                    for (int m = 0; m < perGroup; m += 4)
                    {
                        int channel = (group * perGroup) + m, count = Math.Min(4, perGroup - m);
                        PackTile(w.Slice(channel * k, count * k), count, k, bias.IsEmpty ? [] : bias.Slice(channel, count), packed);
                        var outputs = y.Slice((((n * g.OutChannels) + channel) * g.OutPlane) + (oy * g.OutW));
                        MultiplyTile(packed, k, count, columns, stride, rows * g.OutW, outputs, g.OutPlane, min, max, partial);
                    }
                }
            }
        }
    }

    // columns[t, r·OutW + ox] = the input under tap t = (c, ky, kx) for output (oy + r, ox), 0 in the padding.
    private static void Im2Col(in ConvGeometry g, ReadOnlySpan<float> x, int n, int group, int oy, int rows, Span<float> columns, int stride)
    {
        int t = 0;
        for (int c = 0; c < g.InChannelsPerGroup; c++)
        {
            var plane = x.Slice(((n * g.InChannels) + (group * g.InChannelsPerGroup) + c) * g.InPlane, g.InPlane);
            for (int ky = 0; ky < g.KernelH; ky++)
            {
                for (int kx = 0; kx < g.KernelW; kx++, t++)
                {
                    var (lo, hi) = g.ValidColumns(kx);
                    int columnOffset = (kx * g.DilationW) - g.PadLeft;
                    for (int r = 0; r < rows; r++)
                    {
                        var into = columns.Slice((t * stride) + (r * g.OutW), g.OutW);
                        int iy = ((oy + r) * g.StrideH) - g.PadTop + (ky * g.DilationH);
                        if ((uint)iy >= (uint)g.InH || lo >= hi)
                        {
                            into.Clear();
                            continue;
                        }

                        into[..lo].Clear();
                        into[hi..].Clear();
                        int inStart = (iy * g.InW) + (lo * g.StrideW) + columnOffset;
                        if (g.StrideW == 1)
                        {
                            plane.Slice(inStart, hi - lo).CopyTo(into[lo..hi]);
                        }
                        else
                        {
                            for (int ox = lo; ox < hi; ox++)
                            {
                                into[ox] = plane[inStart + ((ox - lo) * g.StrideW)];
                            }
                        }
                    }
                }
            }
        }
    }

    // packed[t·4 + f] = filter f's weight at tap t and packed[k·4 + f] its bias, 0 for f ≥ count: four filters' taps
    // side by side, so the tile loop reads them from one place and never tests how many filters are real.
    private static void PackTile(ReadOnlySpan<float> filters, int count, int k, ReadOnlySpan<float> bias, Span<float> packed)
    {
        packed.Clear();
        for (int f = 0; f < count; f++)
        {
            for (int t = 0; t < k; t++)
            {
                packed[(t * 4) + f] = filters[(f * k) + t];
            }

            packed[(k * 4) + f] = bias.IsEmpty ? 0f : bias[f];
        }
    }

    /// <summary>outputs[f·planeStride + j] = clamp(bias[f] + Σ_t filter[f, t] · columns[t, j]) for f below count, j below width.</summary>
    private static void MultiplyTile(ReadOnlySpan<float> packed, int k, int count, ReadOnlySpan<float> columns, int stride, int width, Span<float> outputs, int planeStride, float min, float max, Span<float> partial)
    {
        int lanes = Vector<float>.Count;
        var low = new Vector<float>(min);
        var high = new Vector<float>(max);
        ref float weights = ref MemoryMarshal.GetReference(packed);
        ref float column = ref MemoryMarshal.GetReference(columns);
        Span<Vector<float>> sums = stackalloc Vector<float>[4];
        for (int j = 0; j < width; j += lanes)
        {
            ref float biases = ref Unsafe.Add(ref weights, k * 4);
            Vector<float> a0 = new(biases), a1 = new(Unsafe.Add(ref biases, 1)), a2 = new(Unsafe.Add(ref biases, 2)), a3 = new(Unsafe.Add(ref biases, 3));
            for (int t = 0; t < k; t++)
            {
                // j + lanes ≤ stride: the chunk is padded to whole vectors.
                var inputs = Vector.LoadUnsafe(ref column, (nuint)((t * stride) + j));
                ref float tap = ref Unsafe.Add(ref weights, t * 4);
                a0 = Vector.FusedMultiplyAdd(new Vector<float>(tap), inputs, a0);
                a1 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref tap, 1)), inputs, a1);
                a2 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref tap, 2)), inputs, a2);
                a3 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref tap, 3)), inputs, a3);
            }

            sums[0] = a0;
            sums[1] = a1;
            sums[2] = a2;
            sums[3] = a3;
            int valid = Math.Min(lanes, width - j);
            for (int f = 0; f < count; f++)
            {
                var clamped = Vector.Min(Vector.Max(sums[f], low), high);
                var into = outputs.Slice((f * planeStride) + j, valid);
                if (valid == lanes)
                {
                    clamped.CopyTo(into);
                }
                else
                {
                    clamped.CopyTo(partial);
                    partial[..valid].CopyTo(into);
                }
            }
        }
    }

    private static void AccumulateTap(in ConvGeometry g, ReadOnlySpan<float> inPlane, Span<float> outPlane, float w, int ky, int kx)
    {
        var (lo, hi) = g.ValidColumns(kx);
        if (lo >= hi)
        {
            return;
        }

        int columnOffset = (kx * g.DilationW) - g.PadLeft;
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int iy = (oy * g.StrideH) - g.PadTop + (ky * g.DilationH);
            if ((uint)iy >= (uint)g.InH)
            {
                continue;
            }

            var outRow = outPlane.Slice((oy * g.OutW) + lo, hi - lo);
            int inStart = (iy * g.InW) + (lo * g.StrideW) + columnOffset;
            if (g.StrideW == 1)
            {
                TensorPrimitives.MultiplyAdd(inPlane.Slice(inStart, hi - lo), w, outRow, outRow);
            }
            else
            {
                for (int i = 0; i < outRow.Length; i++)
                {
                    outRow[i] += w * inPlane[inStart + (i * g.StrideW)];
                }
            }
        }
    }

    /// <summary>The plain twin: the convolution sum written out per output element over dense filters.</summary>
    public static void Reference(in ConvGeometry g, float[] w, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, float min, float max)
    {
        for (int n = 0; n < g.Batch; n++)
        {
            for (int m = 0; m < g.OutChannels; m++)
            {
                int group = m / g.OutChannelsPerGroup;
                for (int oy = 0; oy < g.OutH; oy++)
                {
                    for (int ox = 0; ox < g.OutW; ox++)
                    {
                        float acc = bias.IsEmpty ? 0f : bias[m];
                        for (int c = 0; c < g.InChannelsPerGroup; c++)
                        {
                            for (int ky = 0; ky < g.KernelH; ky++)
                            {
                                for (int kx = 0; kx < g.KernelW; kx++)
                                {
                                    int iy = (oy * g.StrideH) - g.PadTop + (ky * g.DilationH);
                                    int ix = (ox * g.StrideW) - g.PadLeft + (kx * g.DilationW);
                                    if (iy < 0 || iy >= g.InH || ix < 0 || ix >= g.InW)
                                    {
                                        continue;
                                    }

                                    int inChannel = (group * g.InChannelsPerGroup) + c;
                                    acc += w[(((m * g.InChannelsPerGroup) + c) * g.KernelH + ky) * g.KernelW + kx]
                                        * x[(((n * g.InChannels) + inChannel) * g.InH + iy) * g.InW + ix];
                                }
                            }
                        }

                        y[(((n * g.OutChannels) + m) * g.OutH + oy) * g.OutW + ox] = Math.Clamp(acc, min, max);
                    }
                }
            }
        }
    }
}
