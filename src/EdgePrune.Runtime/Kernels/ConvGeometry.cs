using System.Numerics;

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

    /// <summary>
    /// Stride-1 convolutions run "wide": on a copy of the group's input planes with the padding written out
    /// (<see cref="PadGroup"/>), output (oy, ox) is wide position oy·PaddedW + ox and tap (c, ky, kx) reads the padded
    /// input at that position plus <see cref="WideTapOffset"/>, so every tap is one contiguous run of loads with no
    /// bounds test. Columns ox ≥ OutW of a wide row are computed and dropped.
    /// </summary>
    public bool RunsWide => StrideH == 1 && StrideW == 1;

    public int PaddedH => InH + PadTop + PadBottom;

    public int PaddedW => InW + PadLeft + PadRight;

    public int PaddedPlane => PaddedH * PaddedW;

    /// <summary>Wide positions from the first output to the last one, (OutH − 1)·PaddedW + OutW.</summary>
    public int WidePositions => ((OutH - 1) * PaddedW) + OutW;

    /// <summary>Elements <see cref="PadGroup"/> writes: the group's padded planes and <paramref name="slack"/> more, for vector loads past the last position.</summary>
    public int PaddedGroupLength(int slack) => (InChannelsPerGroup * PaddedPlane) + slack;

    /// <summary>Offset of tap t = c·KH·KW + ky·KW + kx from a wide position in the padded planes.</summary>
    public int WideTapOffset(int tap)
    {
        int area = KernelH * KernelW;
        int c = tap / area, ky = tap % area / KernelW, kx = tap % KernelW;
        return (c * PaddedPlane) + (ky * DilationH * PaddedW) + (kx * DilationW);
    }

    /// <summary>Copies batch item n's input planes of a group into <paramref name="padded"/> (length <see cref="PaddedGroupLength"/>) with <paramref name="pad"/> around and after them.</summary>
    public void PadGroup<T>(ReadOnlySpan<T> x, int n, int group, T pad, Span<T> padded)
        where T : unmanaged
    {
        // Unpadded columns: the group's planes are contiguous and copied as one block (LeNet-5's second conv: one copy
        // in place of 84 row copies).
        if (PadLeft == 0 && PadRight == 0)
        {
            int top = PadTop * PaddedW, body = InPlane, bottom = PadBottom * PaddedW;
            for (int c = 0; c < InChannelsPerGroup; c++)
            {
                var into = padded.Slice(c * PaddedPlane, PaddedPlane);
                into[..top].Fill(pad);
                x.Slice(((n * InChannels) + (group * InChannelsPerGroup) + c) * InPlane, body).CopyTo(into.Slice(top, body));
                into.Slice(top + body, bottom).Fill(pad);
            }

            padded[(InChannelsPerGroup * PaddedPlane)..].Fill(pad);
            return;
        }

        padded.Fill(pad);
        for (int c = 0; c < InChannelsPerGroup; c++)
        {
            var plane = x.Slice(((n * InChannels) + (group * InChannelsPerGroup) + c) * InPlane, InPlane);
            Layout.CopyRows(plane, InW, padded.Slice((c * PaddedPlane) + (PadTop * PaddedW) + PadLeft), PaddedW, InH, InW);
        }
    }

    /// <summary>
    /// The nonzero weights of dense filters [M, C/g·KH·KW], filter by filter: M + 1 offsets into the tap indices
    /// c·KH·KW + ky·KW + kx and values, as the sparse convolution paths take them.
    /// </summary>
    public (int[] RowStart, int[] Taps, T[] Values) NonzeroTaps<T>(ReadOnlySpan<T> weights)
        where T : INumber<T>
    {
        int k = TapsPerFilter;
        var rowStart = new int[OutChannels + 1];
        var taps = new List<int>();
        var values = new List<T>();
        for (int m = 0; m < OutChannels; m++)
        {
            for (int t = 0; t < k; t++)
            {
                if (weights[(m * k) + t] != T.Zero)
                {
                    taps.Add(t);
                    values.Add(weights[(m * k) + t]);
                }
            }

            rowStart[m + 1] = values.Count;
        }

        return (rowStart, [.. taps], [.. values]);
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
