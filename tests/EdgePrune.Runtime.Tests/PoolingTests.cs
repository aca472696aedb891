using EdgePrune.Runtime.Kernels;

namespace EdgePrune.Runtime.Tests;

/// <summary>Max pooling, both the row-at-a-time path for windows inside the input and the clipped one, against the window maximum written out here.</summary>
public class PoolingTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 40)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Max_pool_equals_the_maximum_over_each_window_clipped_to_the_input(int seed)
    {
        var random = new Random(seed);
        bool twoD = random.Next(3) > 0;
        int n = random.Next(1, 3), c = random.Next(1, 4);
        int inH = twoD ? random.Next(1, 12) : 1, inW = random.Next(1, 30);
        int kh = twoD ? random.Next(1, Math.Min(inH, 3) + 1) : 1, kw = random.Next(1, Math.Min(inW, 3) + 1);
        int sh = twoD ? random.Next(1, 4) : 1, sw = random.Next(1, 4);
        // Half the cases pad (windows reach outside: the clipped path), half not (the row-at-a-time path).
        bool pad = random.Next(2) == 0;
        int pt = pad && twoD ? random.Next(kh) : 0, pl = pad ? random.Next(kw) : 0, pb = pad && twoD ? random.Next(kh) : 0, pr = pad ? random.Next(kw) : 0;
        int outH = ((inH + pt + pb - kh) / sh) + 1, outW = ((inW + pl + pr - kw) / sw) + 1;
        var g = new ConvGeometry(n, c, inH, inW, c, outH, outW, kh, kw, sh, sw, pt, pl, pb, pr, 1, 1, c);
        if (!pad)
        {
            Assert.True(Pooling.WindowsInside(g));
        }

        var x = Enumerable.Range(0, n * c * inH * inW).Select(_ => (sbyte)random.Next(-128, 128)).ToArray();
        var expected = new sbyte[n * c * outH * outW];
        int i = 0;
        for (int plane = 0; plane < n * c; plane++)
        {
            for (int oy = 0; oy < outH; oy++)
            {
                for (int ox = 0; ox < outW; ox++)
                {
                    int max = int.MinValue;
                    for (int iy = (oy * sh) - pt; iy < (oy * sh) - pt + kh; iy++)
                    {
                        for (int ix = (ox * sw) - pl; ix < (ox * sw) - pl + kw; ix++)
                        {
                            if (iy >= 0 && iy < inH && ix >= 0 && ix < inW)
                            {
                                max = Math.Max(max, x[(plane * inH * inW) + (iy * inW) + ix]);
                            }
                        }
                    }

                    expected[i++] = (sbyte)max;
                }
            }
        }

        var int8 = new sbyte[expected.Length];
        Pooling.MaxInt8(g, x, int8, new sbyte[Pooling.MaxScratch(g)]);
        Assert.Equal(expected, int8);

        // The same codes as floats (negative and positive, ties included): the fp32 maximum is the same value.
        var floats = new float[expected.Length];
        Pooling.MaxFloat(g, x.Select(v => v / 16f).ToArray(), floats, new float[Pooling.MaxScratch(g)]);
        Assert.Equal(expected.Select(v => v / 16f), floats);
    }
}
