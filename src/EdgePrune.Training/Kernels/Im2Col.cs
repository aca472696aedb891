namespace EdgePrune.Training.Kernels;

/// <summary>
/// Unfolds the windows of a convolution into a matrix, so a convolution becomes one matrix multiply: row
/// (c·kh + i)·kw + j of the [C·kh·kw, OH·OW] result holds input channel c shifted by tap (i, j) for every output
/// position (0 where the tap falls in the padding). <see cref="Fold"/> is its adjoint, used by the backward pass.
/// </summary>
internal static class Im2Col
{
    public static void Unfold(ConvShape s, float[] x, int xOffset, int channels, float[] columns)
    {
        int oh = s.OutputHeight, ow = s.OutputWidth;
        int row = 0;
        for (int c = 0; c < channels; c++)
        {
            int plane = xOffset + c * s.InputPlane;
            for (int i = 0; i < s.KernelHeight; i++)
            {
                for (int j = 0; j < s.KernelWidth; j++, row++)
                {
                    int at = row * oh * ow;
                    for (int y = 0; y < oh; y++)
                    {
                        int iy = y * s.StrideHeight + i * s.DilationHeight - s.PadTop;
                        if (iy < 0 || iy >= s.InputHeight)
                        {
                            columns.AsSpan(at, ow).Clear();
                            at += ow;
                            continue;
                        }

                        int source = plane + iy * s.InputWidth;
                        int ix = j * s.DilationWidth - s.PadLeft;
                        if (s.StrideWidth == 1 && ix >= 0 && ix + ow <= s.InputWidth)
                        {
                            x.AsSpan(source + ix, ow).CopyTo(columns.AsSpan(at, ow));
                            at += ow;
                            continue;
                        }

                        for (int xo = 0; xo < ow; xo++, ix += s.StrideWidth)
                        {
                            columns[at++] = ix >= 0 && ix < s.InputWidth ? x[source + ix] : 0f;
                        }
                    }
                }
            }
        }
    }

    /// <summary>Adds every column entry back into the input position it was read from (the transpose of <see cref="Unfold"/>).</summary>
    public static void Fold(ConvShape s, float[] columns, int channels, float[] gx, int gxOffset)
    {
        int oh = s.OutputHeight, ow = s.OutputWidth;
        int row = 0;
        for (int c = 0; c < channels; c++)
        {
            int plane = gxOffset + c * s.InputPlane;
            for (int i = 0; i < s.KernelHeight; i++)
            {
                for (int j = 0; j < s.KernelWidth; j++, row++)
                {
                    int at = row * oh * ow;
                    for (int y = 0; y < oh; y++)
                    {
                        int iy = y * s.StrideHeight + i * s.DilationHeight - s.PadTop;
                        if (iy < 0 || iy >= s.InputHeight)
                        {
                            at += ow;
                            continue;
                        }

                        int target = plane + iy * s.InputWidth;
                        int ix = j * s.DilationWidth - s.PadLeft;
                        for (int xo = 0; xo < ow; xo++, ix += s.StrideWidth, at++)
                        {
                            if (ix >= 0 && ix < s.InputWidth)
                            {
                                gx[target + ix] += columns[at];
                            }
                        }
                    }
                }
            }
        }
    }
}
