namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// Shapes of a 1-D or 2-D convolution or pooling window in NC(H)W layout; 1-D is 2-D with H = KH = 1.
/// Pads are begin/end per spatial axis. Checked once at load by the step that builds it.
/// </summary>
public readonly record struct ConvGeometry(
    int Batch, int InChannels, int InH, int InW,
    int OutChannels, int OutH, int OutW,
    int KernelH, int KernelW, int StrideH, int StrideW,
    int PadTop, int PadLeft, int PadBottom, int PadRight,
    int DilationH, int DilationW, int Groups)
{
    public int InChannelsPerGroup => InChannels / Groups;

    public int OutChannelsPerGroup => OutChannels / Groups;

    public int TapsPerFilter => InChannelsPerGroup * KernelH * KernelW;

    public int InPlane => InH * InW;

    public int OutPlane => OutH * OutW;

    /// <summary>
    /// The receptive field of output (oy, ox) of batch item n in a group, laid out as the filter is (channel, row,
    /// column): the input value, or <paramref name="pad"/> where the window reaches outside the image.
    /// </summary>
    public void Gather<T>(ReadOnlySpan<T> x, int n, int group, int oy, int ox, T pad, Span<T> patch)
    {
        int i = 0, left = (ox * StrideW) - PadLeft;
        bool rowInside = DilationW == 1 && left >= 0 && left + KernelW <= InW;
        for (int c = 0; c < InChannelsPerGroup; c++)
        {
            var plane = x.Slice(((n * InChannels) + (group * InChannelsPerGroup) + c) * InPlane, InPlane);
            for (int ky = 0; ky < KernelH; ky++, i += KernelW)
            {
                int iy = (oy * StrideH) - PadTop + (ky * DilationH);
                var into = patch.Slice(i, KernelW);
                if ((uint)iy >= (uint)InH)
                {
                    into.Fill(pad);
                }
                else if (rowInside)
                {
                    plane.Slice((iy * InW) + left, KernelW).CopyTo(into);
                }
                else
                {
                    var row = plane.Slice(iy * InW, InW);
                    for (int kx = 0; kx < KernelW; kx++)
                    {
                        int ix = left + (kx * DilationW);
                        into[kx] = (uint)ix < (uint)InW ? row[ix] : pad;
                    }
                }
            }
        }
    }

    /// <summary>Output columns [Lo, Hi) whose input column ox·stride − pad + kx·dilation lies inside [0, InW).</summary>
    public (int Lo, int Hi) ValidColumns(int kx)
    {
        int offset = (kx * DilationW) - PadLeft;
        int lo = offset >= 0 ? 0 : (-offset + StrideW - 1) / StrideW;
        int hi = InW - 1 - offset < 0 ? 0 : ((InW - 1 - offset) / StrideW) + 1;
        return (lo, Math.Max(lo, Math.Min(hi, OutW)));
    }
}
