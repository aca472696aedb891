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
}
