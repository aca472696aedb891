using System.Runtime.InteropServices;
using EdgePrune.Export.Epb;
using EdgePrune.Runtime.Format;
using EdgePrune.Runtime.Kernels;
using EdgePrune.TestSupport;

namespace EdgePrune.Runtime.Tests;

/// <summary>Each fast kernel against its plain reference twin, over every weight encoding and seeded random shapes.</summary>
public class KernelTwinTests
{
    /// <summary>Lays the encoded ranges out as a weights section and validates them into a view, as the reader does.</summary>
    internal static WeightView View(EncodedWeight e, EpbDataType type, int[] shape)
    {
        var stream = new MemoryStream();
        var ranges = new (long, long)[e.Ranges.Length];
        for (int i = 0; i < e.Ranges.Length; i++)
        {
            stream.SetLength(EpbLayout.AlignUp(stream.Length, 16));
            stream.Position = stream.Length;
            ranges[i] = (stream.Position, e.Ranges[i].Length);
            stream.Write(e.Ranges[i]);
        }

        var file = stream.ToArray();
        return WeightView.Validate(file, 0, file.Length, "w", type, shape, shape.Aggregate(1, (a, b) => a * b), e.Encoding, e.P0, e.P1, e.StoredCount, ranges);
    }

    private static float[] SparseFloats(Random random, int count, double sparsity, bool twoOfFour)
    {
        var values = TestTensors.Uniform(random, [count]).ToFloatArray();
        for (int i = 0; i < count; i++)
        {
            if (twoOfFour ? i % 4 is 1 or 2 : random.NextDouble() < sparsity)
            {
                values[i] = 0;
            }
        }

        return values;
    }

    [Theory]
    [InlineData(1, 0.0, false)]
    [InlineData(2, 0.9, false)]
    [InlineData(3, 0.5, true)]
    [InlineData(4, 0.99, false)]
    public void FullyConnectedFloat_matches_its_reference_twin_in_every_encoding(int seed, double sparsity, bool twoOfFour)
    {
        var random = new Random(seed);
        int n = random.Next(1, 9) * 4, k = random.Next(1, 80) * 4, batch = random.Next(1, 3);
        var w = SparseFloats(random, n * k, sparsity, twoOfFour);
        var x = TestTensors.Uniform(random, [batch * k]).ToFloatArray();
        var bias = TestTensors.Uniform(random, [n]).ToFloatArray();
        var expected = new float[batch * n];
        FullyConnectedFloat.Reference(w, n, k, x, bias, expected, batch, 0f, 2f);
        var encodings = WeightEncoder.Candidates(MemoryMarshal.AsBytes(w.AsSpan()).ToArray(), 4, n, null, allowSparse: true);
        Assert.True(encodings.Count >= 5);
        foreach (var encoded in encodings)
        {
            var actual = new float[batch * n];
            FullyConnectedFloat.Run(View(encoded, EpbDataType.Float32, [n, k]), x, bias, actual, batch, 0f, 2f);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + MathF.Abs(expected[i])), $"{encoded.Encoding} [{i}]: {actual[i]} vs {expected[i]}");
            }
        }
    }

    [Theory]
    [InlineData(5, 0.0, false, 127)]
    [InlineData(6, 0.9, false, 127)]
    [InlineData(7, 0.3, true, 127)]
    [InlineData(8, 0.6, false, 7)]
    public void FullyConnectedInt8_is_bit_identical_to_its_reference_twin_in_every_encoding(int seed, double sparsity, bool twoOfFour, int maxWeight)
    {
        var random = new Random(seed);
        int n = random.Next(1, 9) * 4, k = random.Next(1, 80) * 4, batch = random.Next(1, 3);
        var w = new sbyte[n * k];
        for (int i = 0; i < w.Length; i++)
        {
            bool zero = twoOfFour ? i % 4 is 0 or 3 : random.NextDouble() < sparsity;
            w[i] = zero ? (sbyte)0 : (sbyte)random.Next(-maxWeight, maxWeight + 1);
        }

        var x = Enumerable.Range(0, batch * k).Select(_ => (sbyte)random.Next(-128, 128)).ToArray();
        var bias = Enumerable.Range(0, n).Select(_ => random.Next(-5000, 5000)).ToArray();
        var scales = Enumerable.Range(0, n).Select(_ => 0.001f + (float)random.NextDouble() * 0.01f).ToArray();
        var q = Requantization.Create(0.05f, random.Next(-20, 20), scales, n, 0.08f, random.Next(-10, 10), 0f, float.PositiveInfinity);
        var expected = new sbyte[batch * n];
        FullyConnectedInt8.Reference(w.Select(v => (int)v).ToArray(), n, k, x, bias, q, expected, batch);
        foreach (var encoded in WeightEncoder.Candidates(MemoryMarshal.AsBytes(w.AsSpan()).ToArray(), 1, n, w, allowSparse: true))
        {
            var view = View(encoded, EpbDataType.Int8, [n, k]);
            var actual = new sbyte[batch * n];
            FullyConnectedInt8.Run(view, x, FullyConnectedInt8.FoldedBias(view, bias, q.InputOffset), q, actual, batch);
            Assert.True(expected.SequenceEqual(actual), $"{encoded.Encoding} differs from the reference");
        }
    }

    [Theory]
    [InlineData(9, 1, 1, 0.0)]
    [InlineData(10, 2, 2, 0.8)]
    [InlineData(11, 4, 1, 0.5)]
    public void Conv_fp32_and_int8_match_their_reference_twins(int seed, int groups, int stride, double sparsity)
    {
        var random = new Random(seed);
        int cPerGroup = random.Next(1, 4), mPerGroup = random.Next(1, 4);
        var g = new ConvGeometry(1, cPerGroup * groups, 9, 10, mPerGroup * groups, 0, 0, 3, 2, stride, stride, 1, 0, 1, 1, 1, 2, groups);
        int outH = ((9 + 2 - 3) / stride) + 1, outW = ((10 + 1 - 3) / stride) + 1;
        g = g with { OutH = outH, OutW = outW };
        int taps = g.TapsPerFilter * g.OutChannels;
        var w = SparseFloats(random, taps, sparsity, false);
        var x = TestTensors.Uniform(random, [g.InChannels * g.InPlane]).ToFloatArray();
        var bias = TestTensors.Uniform(random, [g.OutChannels]).ToFloatArray();
        var expected = new float[g.OutChannels * g.OutPlane];
        var actual = new float[expected.Length];
        ConvFloat.Reference(g, w, bias, x, expected, float.NegativeInfinity, float.PositiveInfinity);
        foreach (bool sparse in new[] { false, true })
        {
            var filters = ConvFloat.Prepare(g, w, bias, sparse);
            ConvFloat.Run(g, filters, x, actual, float.NegativeInfinity, float.PositiveInfinity, new float[ConvFloat.ScratchFloats(g, filters)]);
            RuntimeHarness.AssertClose(expected, actual);
        }

        var wq = w.Select(v => (sbyte)Math.Round(v * 100)).ToArray();
        var xq = x.Select(v => (sbyte)Math.Round(v * 120)).ToArray();
        var bq = bias.Select(v => (int)(v * 1000)).ToArray();
        var q = Requantization.Create(0.02f, 3, [0.01f], g.OutChannels, 0.05f, -4, float.NegativeInfinity, float.PositiveInfinity);
        var expectedQ = new sbyte[expected.Length];
        var actualQ = new sbyte[expected.Length];
        ConvInt8.Reference(g, wq.Select(v => (int)v).ToArray(), bq, q, xq, expectedQ);
        ConvInt8.RunDense(g, wq, ConvInt8.FoldedBias(g, wq, bq, q.InputOffset), q, xq, actualQ, new int[ConvInt8.ScratchInts(g, dense: true)]);
        Assert.Equal(expectedQ, actualQ);
    }

    [Fact]
    public void Int8_dot_matches_a_scalar_sum_on_all_lengths()
    {
        var random = new Random(12);
        for (int length = 0; length < 100; length++)
        {
            var a = Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-128, 128)).ToArray();
            var b = Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-128, 128)).ToArray();
            Assert.Equal(a.Zip(b, (x, y) => x * y).Sum(), FullyConnectedInt8.Dot(a, b));
        }
    }

    /// <summary>
    /// Dense int8 weights on every row count 1-9 (the four-row step and its leftover rows) and column count 1-50 (the
    /// 16- and 8-wide steps and the scalar tail): small codes requantized at multiplier 1, so an accumulator off by one
    /// shows, and full-range codes including −128·−128.
    /// </summary>
    [Theory]
    [InlineData(21, 3, 1f)]
    [InlineData(22, 128, 0.0001f)]
    public void FullyConnectedInt8_dense_is_bit_identical_to_its_reference_twin_on_every_row_and_column_tail(int seed, int magnitude, float weightScale)
    {
        var random = new Random(seed);
        for (int n = 1; n <= 9; n++)
        {
            for (int k = 1; k <= 50; k++)
            {
                var w = Enumerable.Range(0, n * k).Select(_ => (sbyte)random.Next(-magnitude, magnitude)).ToArray();
                var x = Enumerable.Range(0, k).Select(_ => (sbyte)random.Next(-magnitude, magnitude)).ToArray();
                var bias = Enumerable.Range(0, n).Select(_ => random.Next(-20, 20)).ToArray();
                var q = Requantization.Create(1f, random.Next(-3, 3), [weightScale], n, 1f, 0, float.NegativeInfinity, float.PositiveInfinity);
                var expected = new sbyte[n];
                FullyConnectedInt8.Reference(w.Select(v => (int)v).ToArray(), n, k, x, bias, q, expected, 1);
                var view = View(WeightEncoder.Candidates(MemoryMarshal.AsBytes(w.AsSpan()).ToArray(), 1, n, null, allowSparse: false)[0], EpbDataType.Int8, [n, k]);
                var actual = new sbyte[n];
                FullyConnectedInt8.Run(view, x, FullyConnectedInt8.FoldedBias(view, bias, q.InputOffset), q, actual, 1);
                Assert.True(expected.SequenceEqual(actual), $"{n}x{k}: [{string.Join(", ", actual)}] vs reference [{string.Join(", ", expected)}]");
            }
        }
    }

    /// <summary>
    /// Weights pruned in whole row blocks of 4 and 8 (the 1×4/1×8 kernels read a block as one word): small codes with a
    /// requantization fine enough that an accumulator off by one shows (the 4-wide read must not sign-extend a negative
    /// word into the unused lanes), and full-range codes with −128·−128, the largest product an int16 lane must hold.
    /// </summary>
    [Theory]
    [InlineData(13, 4, 8)]
    [InlineData(14, 8, 8)]
    [InlineData(15, 4, 128)]
    [InlineData(16, 8, 128)]
    public void Row_block_kernels_match_their_reference_twins(int seed, int blockWidth, int magnitude)
    {
        var random = new Random(seed);
        int n = random.Next(16, 48), k = random.Next(1, 40) * 8, batch = random.Next(1, 3);
        var keep = Enumerable.Range(0, n * k / blockWidth).Select(_ => random.NextDouble() < 0.2).ToArray();
        var codes = Enumerable.Range(0, n * k).Select(i => keep[i / blockWidth] ? (sbyte)random.Next(-magnitude, magnitude) : (sbyte)0).ToArray();
        var xq = Enumerable.Range(0, batch * k).Select(_ => (sbyte)random.Next(-magnitude, magnitude)).ToArray();
        if (magnitude == 128)
        {
            keep[0] = true;
            codes.AsSpan(0, blockWidth).Fill(-128);
            xq.AsSpan(0, blockWidth).Fill(-128);
        }

        var bias = Enumerable.Range(0, n).Select(_ => random.Next(-50, 50)).ToArray();
        float multiplier = magnitude == 8 ? 0.5f : 1f / 4096;
        var q = Requantization.Create(1f, 0, Enumerable.Repeat(multiplier, n).ToArray(), n, 1f, 0, float.NegativeInfinity, float.PositiveInfinity);
        var expectedQ = new sbyte[batch * n];
        FullyConnectedInt8.Reference(codes.Select(v => (int)v).ToArray(), n, k, xq, bias, q, expectedQ, batch);
        var blockQ = WeightEncoder.Candidates(MemoryMarshal.AsBytes(codes.AsSpan()).ToArray(), 1, n, codes, allowSparse: true)
            .Single(e => e.Encoding == WeightEncoding.BlockSparse && e.P0 == 1 && e.P1 == blockWidth);
        var viewQ = View(blockQ, EpbDataType.Int8, [n, k]);
        var actualQ = new sbyte[batch * n];
        FullyConnectedInt8.Run(viewQ, xq, FullyConnectedInt8.FoldedBias(viewQ, bias, q.InputOffset), q, actualQ, batch);
        Assert.Equal(expectedQ, actualQ);

        var w = codes.Select(v => v / 64f).ToArray();
        var x = xq.Select(v => v / 32f).ToArray();
        var expected = new float[batch * n];
        FullyConnectedFloat.Reference(w, n, k, x, [], expected, batch, float.NegativeInfinity, float.PositiveInfinity);
        var block = WeightEncoder.Candidates(MemoryMarshal.AsBytes(w.AsSpan()).ToArray(), 4, n, null, allowSparse: true)
            .Single(e => e.Encoding == WeightEncoding.BlockSparse && e.P0 == 1 && e.P1 == blockWidth);
        var actual = new float[batch * n];
        FullyConnectedFloat.Run(View(block, EpbDataType.Float32, [n, k]), x, [], actual, batch, float.NegativeInfinity, float.PositiveInfinity);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + MathF.Abs(expected[i])), $"[{i}]: {actual[i]} vs {expected[i]}");
        }
    }

    /// <summary>
    /// Every int8 convolution path (wide for stride 1 with dense and sparse filter rows; patch dots and per-tap rows when
    /// strided) against the reference twin on random 1-D and 2-D geometries: pads, dilations, groups, depthwise, odd
    /// widths, sparse and dense filters, codes at −128 and 127, nonzero zero points, multipliers below and above 1 and
    /// fused clamps. The output starts filled with a marker so an element no path writes shows.
    /// </summary>
    [Theory]
    [InlineData(17)]
    [InlineData(18)]
    [InlineData(19)]
    [InlineData(20)]
    public void Int8_conv_paths_are_bit_identical_to_the_reference_on_random_geometries(int seed)
    {
        var random = new Random(seed);
        sbyte Code(double extremes) => random.NextDouble() < extremes ? (random.Next(2) == 0 ? sbyte.MinValue : sbyte.MaxValue) : (sbyte)random.Next(-128, 128);
        for (int trial = 0; trial < 30; trial++)
        {
            bool oneD = random.Next(3) == 0, depthwise = random.Next(4) == 0;
            int groups = depthwise ? random.Next(1, 6) : random.Next(1, 4);
            int cPerGroup = depthwise ? 1 : random.Next(1, 4), mPerGroup = depthwise ? random.Next(1, 3) : random.Next(1, 7);
            int kh = oneD ? 1 : random.Next(1, 6), kw = random.Next(1, 6);
            int dh = oneD ? 1 : random.Next(1, 3), dw = random.Next(1, 3);
            int sh = oneD || random.Next(4) != 0 ? 1 : 2, sw = random.Next(4) != 0 ? 1 : 2;
            int pt = oneD ? 0 : random.Next(0, 3), pb = oneD ? 0 : random.Next(0, 3), pl = random.Next(0, 3), pr = random.Next(0, 3);
            int inH = oneD ? 1 : Math.Max(1, (dh * (kh - 1)) + 1 - pt - pb) + random.Next(0, 12);
            int inW = Math.Max(1, (dw * (kw - 1)) + 1 - pl - pr) + random.Next(0, 40);
            int outH = ((inH + pt + pb - (dh * (kh - 1)) - 1) / sh) + 1, outW = ((inW + pl + pr - (dw * (kw - 1)) - 1) / sw) + 1;
            var g = new ConvGeometry(random.Next(1, 3), cPerGroup * groups, inH, inW, mPerGroup * groups, outH, outW, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, groups);

            double zeros = random.Next(2) == 0 ? 0.85 : 0.1;
            var w = Enumerable.Range(0, g.OutChannels * g.TapsPerFilter).Select(_ => random.NextDouble() < zeros ? (sbyte)0 : Code(0.2)).ToArray();
            var x = Enumerable.Range(0, g.Batch * g.InChannels * g.InPlane).Select(_ => Code(0.2)).ToArray();
            int[] bias = random.Next(4) == 0 ? [] : Enumerable.Range(0, g.OutChannels).Select(_ => random.Next(-20000, 20000)).ToArray();
            var weightScales = Enumerable.Range(0, g.OutChannels).Select(_ => (float)Math.Exp(random.NextDouble() * -6)).ToArray();
            float outScale = random.Next(5) == 0 ? 1e-4f : 20f;
            var (min, max) = random.Next(3) == 0 ? (0f, 6f) : (float.NegativeInfinity, float.PositiveInfinity);
            var q = Requantization.Create(0.02f, random.Next(-128, 128), weightScales, g.OutChannels, outScale, random.Next(-128, 128), min, max);

            var expected = new sbyte[g.Batch * g.OutChannels * g.OutPlane];
            ConvInt8.Reference(g, w.Select(v => (int)v).ToArray(), bias, q, x, expected);
            var foldedBias = ConvInt8.FoldedBias(g, w, bias, q.InputOffset);
            foreach (var (dense, use512) in new[] { (true, true), (false, true), (true, false), (false, false) })
            {
                var actual = Enumerable.Repeat((sbyte)0x55, expected.Length).ToArray();
                var scratch = new int[ConvInt8.ScratchInts(g, dense)];
                if (g.RunsWide)
                {
                    // 512-bit where the CPU has AVX-512 BW (Wide falls back otherwise), and the AVX2/portable paths too.
                    ConvInt8.RunWide(g, ConvInt8.Wide(g, w, dense, use512), foldedBias, q, x, actual, scratch);
                }
                else if (use512)
                {
                    continue;
                }
                else if (dense)
                {
                    ConvInt8.RunDense(g, w, foldedBias, q, x, actual, scratch);
                }
                else
                {
                    var (rowStart, taps, values) = NonzeroTaps(w, g.OutChannels, g.TapsPerFilter);
                    ConvInt8.RunSparse(g, values, rowStart, taps, bias, q, x, actual, scratch);
                }

                Assert.True(expected.SequenceEqual(actual), $"trial {trial}, {g}, dense {dense}, 512-bit {use512}: differs from the reference");
            }
        }
    }

    /// <summary>
    /// The vector requantizations (rows of one channel at a stride; consecutive channels with their own biases) against
    /// the scalar one, at every row length up to 40, at the int32 extremes and at exact halves (power-of-two scales),
    /// where the two roundings differ by sign.
    /// </summary>
    [Fact]
    public void Requantizing_a_run_matches_requantizing_one_accumulator_at_a_time()
    {
        var random = new Random(21);
        var scales = Enumerable.Repeat(new[] { 1e-9f, 3e-5f, 0.0123f, 0.125f, 0.49f, 0.5f, 1f, 1.7f, 300f }, 3).SelectMany(s => s).ToArray();
        int Accumulator(int channel) => random.Next(4) switch
        {
            0 => random.Next(int.MinValue, int.MaxValue),
            1 => random.Next(2) == 0 ? int.MinValue : int.MaxValue,
            _ => (int)Math.Clamp((random.Next(-140, 140) / scales[channel]) + random.Next(-3, 4), int.MinValue, int.MaxValue),
        };
        var plain = Requantization.Create(1f, 0, scales, scales.Length, 1f, 7, float.NegativeInfinity, float.PositiveInfinity);
        var clamped = Requantization.Create(1f, 0, scales, scales.Length, 1f, -3, 0f, 50f);
        foreach (var q in new[] { plain, clamped })
        {
            for (int channel = 0; channel < scales.Length; channel++)
            {
                for (int width = 1; width <= 40; width++)
                {
                    int rows = random.Next(1, 4), stride = width + random.Next(0, 6);
                    var accumulators = Enumerable.Range(0, ((rows - 1) * stride) + width).Select(_ => Accumulator(channel)).ToArray();
                    int bias = random.Next(-3, 4);
                    var expected = Enumerable.Range(0, rows * width).Select(i => q.Apply(unchecked(accumulators[(i / width * stride) + (i % width)] + bias), channel)).ToArray();
                    var actual = new sbyte[rows * width];
                    q.ApplyRows(accumulators, stride, width, bias, channel, actual);
                    Assert.True(expected.SequenceEqual(actual), $"channel {channel}, {rows} rows of {width} at stride {stride}");
                }
            }

            for (int first = 0; first < scales.Length; first++)
            {
                for (int length = 0; first + length <= scales.Length; length++)
                {
                    var accumulators = Enumerable.Range(first, length).Select(Accumulator).ToArray();
                    var biases = Enumerable.Range(0, length).Select(_ => random.Next(-3, 4)).ToArray();
                    var expected = Enumerable.Range(0, length).Select(i => q.Apply(unchecked(accumulators[i] + biases[i]), first + i)).ToArray();
                    var actual = new sbyte[length];
                    q.Apply(accumulators, biases, first, actual);
                    Assert.True(expected.SequenceEqual(actual), $"channels {first}..{first + length}");
                }
            }
        }
    }

    /// <summary>
    /// int8 max pooling against the maximum over each window clipped to the input, computed here: windows inside the
    /// input (the row-reducing path, 2×2/2 and others, rows of fewer and more than eight outputs) and padded or
    /// overhanging ones (the clipping path), with codes at −128 and 127.
    /// </summary>
    [Theory]
    [InlineData(22)]
    [InlineData(23)]
    public void Int8_max_pool_matches_the_window_maximum(int seed)
    {
        var random = new Random(seed);
        for (int trial = 0; trial < 40; trial++)
        {
            int kh = random.Next(1, 4), kw = random.Next(1, 4), sh = random.Next(1, 3), sw = random.Next(1, 3);
            if (trial % 2 == 0)
            {
                (kh, kw, sh, sw) = (2, 2, 2, 2);
            }

            int pt = random.Next(4) == 0 ? 1 : 0, pl = random.Next(4) == 0 ? 1 : 0, extraH = random.Next(0, 2), extraW = random.Next(0, 2);
            int inH = kh + random.Next(0, 12), inW = kw + random.Next(0, 40);
            int outH = ((inH + pt - kh) / sh) + 1 + (pt == 0 ? 0 : extraH), outW = ((inW + pl - kw) / sw) + 1 + (pl == 0 ? 0 : extraW);
            int channels = random.Next(1, 4);
            var g = new ConvGeometry(random.Next(1, 3), channels, inH, inW, channels, outH, outW, kh, kw, sh, sw, pt, pl, 0, 0, 1, 1, channels);
            var x = Enumerable.Range(0, g.Batch * channels * g.InPlane).Select(_ => random.Next(5) == 0 ? sbyte.MinValue : (sbyte)random.Next(-128, 128)).ToArray();
            var expected = new sbyte[g.Batch * channels * g.OutPlane];
            for (int plane = 0; plane < g.Batch * channels; plane++)
            {
                for (int oy = 0; oy < outH; oy++)
                {
                    for (int ox = 0; ox < outW; ox++)
                    {
                        var window = from iy in Enumerable.Range((oy * sh) - pt, kh)
                                     from ix in Enumerable.Range((ox * sw) - pl, kw)
                                     where iy >= 0 && iy < inH && ix >= 0 && ix < inW
                                     select x[(plane * g.InPlane) + (iy * inW) + ix];
                        expected[(plane * g.OutPlane) + (oy * outW) + ox] = window.DefaultIfEmpty(sbyte.MinValue).Max();
                    }
                }
            }

            var actual = Enumerable.Repeat((sbyte)0x55, expected.Length).ToArray();
            Pooling.MaxInt8(g, x, actual, new sbyte[Pooling.MaxScratch(g)]);
            Assert.True(expected.SequenceEqual(actual), $"trial {trial}, {g}");
        }
    }

    private static (int[] RowStart, int[] Taps, sbyte[] Values) NonzeroTaps(sbyte[] w, int rows, int taps)
    {
        var rowStart = new int[rows + 1];
        var tapList = new List<int>();
        var values = new List<sbyte>();
        for (int r = 0; r < rows; r++)
        {
            for (int t = 0; t < taps; t++)
            {
                if (w[(r * taps) + t] != 0)
                {
                    tapList.Add(t);
                    values.Add(w[(r * taps) + t]);
                }
            }

            rowStart[r + 1] = tapList.Count;
        }

        return (rowStart, [.. tapList], [.. values]);
    }
}
