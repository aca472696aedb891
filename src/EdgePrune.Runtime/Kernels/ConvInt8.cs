namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// TFLite's int8 convolution (per-channel): acc = bias[m] + Σ w·(x + input_offset) over taps whose input lies
/// inside the image (padding contributes nothing, as in TFLite), then requantization. Summed tap by tap into an
/// int32 scratch plane like <see cref="ConvFloat"/>; integer addition is exact, so the order does not matter.
/// </summary>
public static class ConvInt8
{
    public static void Run(in ConvGeometry g, ReadOnlySpan<sbyte> values, ReadOnlySpan<int> rowStart, ReadOnlySpan<int> taps, ReadOnlySpan<int> bias, Requantization q, ReadOnlySpan<sbyte> x, Span<sbyte> y, Span<int> scratch)
    {
        bool dense = rowStart.IsEmpty;
        int kernelArea = g.KernelH * g.KernelW;
        var acc = scratch.Slice(0, g.OutPlane);
        for (int n = 0; n < g.Batch; n++)
        {
            for (int m = 0; m < g.OutChannels; m++)
            {
                acc.Fill(bias.IsEmpty ? 0 : bias[m]);
                int group = m / g.OutChannelsPerGroup;
                int start = dense ? m * g.TapsPerFilter : rowStart[m];
                int end = dense ? start + g.TapsPerFilter : rowStart[m + 1];
                for (int k = start; k < end; k++)
                {
                    int w = values[k];
                    if (w == 0)
                    {
                        continue;
                    }

                    int tap = dense ? k - start : taps[k];
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
