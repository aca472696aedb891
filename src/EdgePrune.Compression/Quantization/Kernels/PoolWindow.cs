using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Compression.Quantization.Kernels;

/// <summary>
/// The window walk of the int8 pools over [N, C, H, W] (or [N, C, W]): for each output position it hands the
/// reducer the in-image taps and the count of taps inside the image or its explicit pads (count_include_pad).
/// </summary>
internal static class PoolWindow
{
    public delegate int Reduce(ReadOnlySpan<sbyte> taps, int paddedCount);

    public static Tensor Run(Tensor x, ConvGeometry geometry, Reduce reduce)
    {
        bool oneD = geometry.SpatialRank == 1;
        int inH = oneD ? 1 : x.Shape[2], inW = x.Shape[^1];
        var (padsBegin, padsEnd, outSize) = geometry.Resolve(x.Shape[2..]);
        int outH = oneD ? 1 : outSize[0], outW = outSize[^1];
        int kH = oneD ? 1 : geometry.Kernel[0], kW = geometry.Kernel[^1];
        int strideH = oneD ? 1 : geometry.Strides[0], strideW = geometry.Strides[^1];
        int dilationH = oneD ? 1 : geometry.Dilations[0], dilationW = geometry.Dilations[^1];
        int padTop = oneD ? 0 : padsBegin[0], padLeft = padsBegin[^1];
        int padBottom = oneD ? 0 : padsEnd[0], padRight = padsEnd[^1];
        int planes = x.Shape[0] * x.Shape[1];
        var xs = x.Span<sbyte>().ToArray();
        var y = new sbyte[planes * outH * outW];
        Parallel.For(0, planes, plane =>
        {
            var taps = new sbyte[kH * kW];
            for (int oy = 0; oy < outH; oy++)
            {
                for (int ox = 0; ox < outW; ox++)
                {
                    int count = 0, padded = 0;
                    for (int ky = 0; ky < kH; ky++)
                    {
                        int iy = oy * strideH + ky * dilationH - padTop;
                        for (int kx = 0; kx < kW; kx++)
                        {
                            int ix = ox * strideW + kx * dilationW - padLeft;
                            if (iy < inH + padBottom && ix < inW + padRight)
                            {
                                padded++;
                            }

                            if (iy >= 0 && iy < inH && ix >= 0 && ix < inW)
                            {
                                taps[count++] = xs[(plane * inH + iy) * inW + ix];
                            }
                        }
                    }

                    y[(plane * outH + oy) * outW + ox] = (sbyte)reduce(taps.AsSpan(0, count), padded);
                }
            }
        });

        return Tensor.FromArray(y, [x.Shape[0], x.Shape[1], .. outSize]);
    }

    /// <summary>The window of a pooling node; GlobalAveragePool's covers the whole plane.</summary>
    public static ConvGeometry Geometry(Node node, ReadOnlySpan<int> inputShape)
    {
        int spatial = inputShape.Length - 2;
        if (spatial is not (1 or 2))
        {
            throw new Core.EdgePruneException($"{node.Describe()}: {spatial}-D pooling has no int8 kernel; EdgePrune quantizes 1-D and 2-D pools");
        }

        if (node.OpType == "GlobalAveragePool")
        {
            var ones = Enumerable.Repeat(1, spatial).ToArray();
            return new ConvGeometry(inputShape[2..].ToArray(), ones, ones, new int[spatial], new int[spatial], AutoPad.NotSet, false);
        }

        return ConvGeometry.Read(node, spatial, null);
    }
}
