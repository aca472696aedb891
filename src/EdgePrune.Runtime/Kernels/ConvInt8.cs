using System.Runtime.InteropServices;

namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// TFLite's int8 convolution (per-channel): acc = bias[m] + Σ w·(x + input_offset) over taps whose input lies
/// inside the image (padding contributes nothing, as in TFLite), then requantization. Dense filters: each output
/// position's receptive field is gathered into a patch whose padding holds the input zero point (so x + input_offset
/// is 0 there) and dotted with every filter of its group, input_offset·Σw folded into the bias at load. Sparse
/// filters: summed tap by tap into an int32 scratch plane like <see cref="ConvFloat"/>. Integer addition is exact, so
/// neither order changes a result.
/// </summary>
public static class ConvInt8
{
    /// <summary>Ints of scratch the kernel needs: a patch (<see cref="RunDense"/>) or an accumulator plane (<see cref="RunSparse"/>).</summary>
    public static int ScratchInts(in ConvGeometry g, bool dense) => dense ? (g.TapsPerFilter + 3) / 4 : g.OutPlane;

    /// <summary>bias[m] + input_offset · Σ w[m, :] for dense filters [M, C/g·KH·KW]; bias may be empty (zero). Computed once at load.</summary>
    public static int[] FoldedBias(in ConvGeometry g, ReadOnlySpan<sbyte> w, ReadOnlySpan<int> bias, int inputOffset)
    {
        int k = g.TapsPerFilter;
        var folded = new int[g.OutChannels];
        for (int m = 0; m < g.OutChannels; m++)
        {
            int sum = 0;
            foreach (sbyte v in w.Slice(m * k, k))
            {
                sum += v;
            }

            folded[m] = unchecked((bias.IsEmpty ? 0 : bias[m]) + (inputOffset * sum));
        }

        return folded;
    }

    /// <param name="rowStart">M + 1 offsets into <paramref name="taps"/>/<paramref name="values"/>.</param>
    /// <param name="taps">tap index c·KH·KW + ky·KW + kx of each stored value.</param>
    public static void RunSparse(in ConvGeometry g, ReadOnlySpan<sbyte> values, ReadOnlySpan<int> rowStart, ReadOnlySpan<int> taps, ReadOnlySpan<int> bias, Requantization q, ReadOnlySpan<sbyte> x, Span<sbyte> y, Span<int> scratch)
    {
        int kernelArea = g.KernelH * g.KernelW;
        var acc = scratch.Slice(0, g.OutPlane);
        for (int n = 0; n < g.Batch; n++)
        {
            for (int m = 0; m < g.OutChannels; m++)
            {
                acc.Fill(bias.IsEmpty ? 0 : bias[m]);
                int group = m / g.OutChannelsPerGroup;
                for (int k = rowStart[m]; k < rowStart[m + 1]; k++)
                {
                    int w = values[k];
                    int tap = taps[k];
                    int c = tap / kernelArea, ky = tap % kernelArea / g.KernelW, kx = tap % g.KernelW;
                    int inChannel = (group * g.InChannelsPerGroup) + c;
                    var inPlane = x.Slice(((n * g.InChannels) + inChannel) * g.InPlane, g.InPlane);
                    var (lo, hi) = g.ValidColumns(kx);
                    int columnOffset = (kx * g.DilationW) - g.PadLeft;
                    for (int oy = 0; oy < g.OutH; oy++)
                    {
                        int iy = (oy * g.StrideH) - g.PadTop + (ky * g.DilationH);
                        if ((uint)iy >= (uint)g.InH)
                        {
                            continue;
                        }

                        int inRow = (iy * g.InW) + columnOffset;
                        int outRow = oy * g.OutW;
                        for (int ox = lo; ox < hi; ox++)
                        {
                            acc[outRow + ox] += w * (inPlane[inRow + (ox * g.StrideW)] + q.InputOffset);
                        }
                    }
                }

                var outPlane = y.Slice(((n * g.OutChannels) + m) * g.OutPlane, g.OutPlane);
                for (int i = 0; i < outPlane.Length; i++)
                {
                    outPlane[i] = q.Apply(acc[i], m);
                }
            }
        }
    }

    /// <param name="foldedBias">from <see cref="FoldedBias"/>.</param>
    public static void RunDense(in ConvGeometry g, ReadOnlySpan<sbyte> w, ReadOnlySpan<int> foldedBias, Requantization q, ReadOnlySpan<sbyte> x, Span<sbyte> y, Span<int> scratch)
    {
        int k = g.TapsPerFilter, perGroup = g.OutChannelsPerGroup;
        var patch = MemoryMarshal.Cast<int, sbyte>(scratch)[..k];
        sbyte zeroPoint = (sbyte)-q.InputOffset;
        for (int n = 0; n < g.Batch; n++)
        {
            for (int group = 0; group < g.Groups; group++)
            {
                for (int p = 0; p < g.OutPlane; p++)
                {
                    g.Gather(x, n, group, p / g.OutW, p % g.OutW, zeroPoint, patch);
                    for (int m = group * perGroup; m < (group + 1) * perGroup; m++)
                    {
                        int acc = unchecked(FullyConnectedInt8.Dot(w.Slice(m * k, k), patch) + foldedBias[m]);
                        y[(((n * g.OutChannels) + m) * g.OutPlane) + p] = q.Apply(acc, m);
                    }
                }
            }
        }
    }

    /// <summary>The plain twin, per output element as TFLite's reference_integer_ops::ConvPerChannel loops.</summary>
    public static void Reference(in ConvGeometry g, int[] w, ReadOnlySpan<int> bias, Requantization q, ReadOnlySpan<sbyte> x, Span<sbyte> y)
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
                        int acc = 0;
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
                                        * (x[(((n * g.InChannels) + inChannel) * g.InH + iy) * g.InW + ix] + q.InputOffset);
                                }
                            }
                        }

                        acc += bias.IsEmpty ? 0 : bias[m];
                        y[(((n * g.OutChannels) + m) * g.OutH + oy) * g.OutW + ox] = q.Apply(acc, m);
                    }
                }
            }
        }
    }
}
