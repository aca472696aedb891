using System.Numerics.Tensors;

namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// fp32 convolution (1-D/2-D, groups, depthwise). Dense filters: each output position's receptive field is gathered
/// into a patch (zeros for padding) and multiplied by the group's filter matrix with the fully connected kernel, four
/// filters per pass. Sparse filters, given as rows of (tap, value) pairs decoded from any sparse encoding at load: a
/// sum over taps, each nonzero weight scaling a shifted input row into the output row (a vectorized multiply-add when
/// the stride is 1), so zero weights cost nothing and sparse filters run in proportion to their nonzeros.
/// </summary>
public static class ConvFloat
{
    /// <summary>Floats of scratch <see cref="Run"/> needs: a patch and one group's outputs, for dense filters.</summary>
    public static int ScratchFloats(in ConvGeometry g, bool dense) => dense ? g.TapsPerFilter + g.OutChannelsPerGroup : 0;

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
        int k = g.TapsPerFilter, perGroup = g.OutChannelsPerGroup;
        var patch = scratch[..k];
        var outputs = scratch.Slice(k, perGroup);
        for (int n = 0; n < g.Batch; n++)
        {
            for (int group = 0; group < g.Groups; group++)
            {
                var filters = w.Slice(group * perGroup * k, perGroup * k);
                for (int p = 0; p < g.OutPlane; p++)
                {
                    g.Gather(x, n, group, p / g.OutW, p % g.OutW, 0f, patch);
                    FullyConnectedFloat.Dense(filters, patch, outputs, k);
                    for (int m = 0; m < perGroup; m++)
                    {
                        int channel = (group * perGroup) + m;
                        float value = outputs[m] + (bias.IsEmpty ? 0f : bias[channel]);
                        y[(((n * g.OutChannels) + channel) * g.OutPlane) + p] = Math.Clamp(value, min, max);
                    }
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
