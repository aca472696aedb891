using EdgePrune.Runtime.Kernels;
using EdgePrune.TestSupport;

namespace EdgePrune.Runtime.Tests;

/// <summary>
/// The fp32 convolution's four paths (dense or sparse filters; stride 1 on the padded input or strided) against the
/// plain reference twin over seeded random geometries: 1-D and 2-D, pads, dilations, groups, depthwise, odd widths,
/// a fused clamp, batch 2; in Vector&lt;float&gt; tiles (what ARM runs) and, where the CPU has them, 512-bit ones.
/// The dense fully connected rows likewise in both widths.
/// </summary>
public class ConvFloatTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 60)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Dense_and_sparse_filters_match_the_reference_on_random_geometries(int seed)
    {
        var random = new Random(seed);
        bool twoD = random.Next(3) > 0;
        int groups = random.Next(4) switch { 0 => 1, 1 => 2, 2 => 3, _ => 1 };
        bool depthwise = random.Next(5) == 0;
        int cPerGroup = depthwise ? 1 : random.Next(1, 5), mPerGroup = depthwise ? 1 : random.Next(1, 10);
        if (depthwise)
        {
            groups = random.Next(2, 7);
        }

        int kh = twoD ? random.Next(1, 6) : 1, kw = random.Next(1, 6);
        int sh = twoD ? random.Next(1, 3) : 1, sw = random.Next(1, 3);
        if (random.Next(2) == 0)
        {
            sh = sw = 1;
        }

        int dh = twoD ? random.Next(1, 3) : 1, dw = random.Next(1, 3);
        int pt = twoD ? random.Next(3) : 0, pb = twoD ? random.Next(3) : 0, pl = random.Next(3), pr = random.Next(3);
        int inH = twoD ? random.Next(((kh - 1) * dh) + 1, 20) : 1, inW = random.Next(((kw - 1) * dw) + 1, 40);
        int outH = ((inH + pt + pb - ((kh - 1) * dh) - 1) / sh) + 1, outW = ((inW + pl + pr - ((kw - 1) * dw) - 1) / sw) + 1;
        int batch = random.Next(1, 3);
        var g = new ConvGeometry(batch, cPerGroup * groups, inH, inW, mPerGroup * groups, outH, outW, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, groups);

        double kept = random.NextDouble();
        var w = TestTensors.Uniform(random, [g.OutChannels * g.TapsPerFilter]).ToFloatArray().Select(v => random.NextDouble() < kept ? v : 0f).ToArray();
        var x = TestTensors.Uniform(random, [batch * g.InChannels * g.InPlane]).ToFloatArray();
        var bias = random.Next(2) == 0 ? [] : TestTensors.Uniform(random, [g.OutChannels]).ToFloatArray();
        var (min, max) = random.Next(2) == 0 ? (float.NegativeInfinity, float.PositiveInfinity) : (0f, 0.5f);
        var expected = new float[batch * g.OutChannels * g.OutPlane];
        ConvFloat.Reference(g, w, bias, x, expected, min, max);
        foreach (var (sparse, use512) in new[] { (false, false), (true, false), (false, true), (true, true) })
        {
            if (use512 && !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
            {
                continue;
            }

            var filters = ConvFloat.Prepare(g, w, bias, sparse, use512);
            var actual = new float[expected.Length];
            ConvFloat.Run(g, filters, x, actual, min, max, new float[ConvFloat.ScratchFloats(g, filters)]);
            RuntimeHarness.AssertClose(expected, actual);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Dense_fully_connected_rows_match_the_reference_in_both_vector_widths(int seed)
    {
        var random = new Random(seed);
        int n = random.Next(4, 40), k = random.Next(16, 300);
        var w = TestTensors.Uniform(random, [n * k]).ToFloatArray();
        var x = TestTensors.Uniform(random, [k]).ToFloatArray();
        var expected = new float[n];
        FullyConnectedFloat.Reference(w, n, k, x, [], expected, 1, float.NegativeInfinity, float.PositiveInfinity);
        var native = new float[n];
        int rows = FullyConnectedFloat.DenseFourRows<FloatLanesNative>(w, x, native, k);
        Assert.Equal(n / 4 * 4, rows);
        RuntimeHarness.AssertClose(expected[..rows], native[..rows]);
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            var wide = new float[n];
            FullyConnectedFloat.DenseFourRows<FloatLanes512>(w, x, wide, k);
            RuntimeHarness.AssertClose(expected[..rows], wide[..rows]);
        }
    }
}
