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

    /// <summary>Output columns [Lo, Hi) whose input column ox·stride − pad + kx·dilation lies inside [0, InW).</summary>
    public (int Lo, int Hi) ValidColumns(int kx)
    {
        int offset = (kx * DilationW) - PadLeft;
        int lo = offset >= 0 ? 0 : (-offset + StrideW - 1) / StrideW;
        int hi = InW - 1 - offset < 0 ? 0 : ((InW - 1 - offset) / StrideW) + 1;
        return (lo, Math.Max(lo, Math.Min(hi, OutW)));
    }
}
