using System.Runtime.InteropServices;
using EdgePrune.Export.Epb;
using EdgePrune.Runtime.Engine;
using EdgePrune.Runtime.Format;
using EdgePrune.Runtime.Kernels;

namespace EdgePrune.Runtime.Tests;

/// <summary>
/// Unstructured-sparse FullyConnected weights on both sides of the dense/CSR crossover: the step runs them as CSR below
/// it and as a dense copy above it, and either way the kernels agree with their plain reference twins. Shapes are
/// random, row and column counts included that leave tails after the four-row and 16/8-column steps.
/// </summary>
public class FullyConnectedCrossoverTests
{
    private static readonly WeightEncoding[] Unstructured = [WeightEncoding.Csr8, WeightEncoding.Csr16, WeightEncoding.Bitmask];

    /// <summary>Exactly round(fraction · count) nonzero positions, chosen at random.</summary>
    private static bool[] KeptPositions(Random random, int count, double fraction)
    {
        var kept = new bool[count];
        foreach (int i in Enumerable.Range(0, count).OrderBy(_ => random.Next()).Take((int)Math.Round(fraction * count)))
        {
            kept[i] = true;
        }

        return kept;
    }

    private static sbyte NonzeroInt8(Random random)
    {
        int value = random.Next(-128, 127);
        return (sbyte)(value >= 0 ? value + 1 : value);
    }

    private static void AssertExecutionEncoding(WeightView stored, WeightView execution, bool dense)
    {
        var expected = dense ? WeightEncoding.Dense : stored.Encoding == WeightEncoding.Bitmask ? WeightEncoding.Csr16 : stored.Encoding;
        Assert.True(expected == execution.Encoding, $"{stored.Encoding} keeping {stored.StoredCount} of {stored.Rows * stored.Cols} ran as {execution.Encoding}, expected {expected}");
    }

    [Theory]
    [InlineData(1, 0.5)]
    [InlineData(2, 1.5)]
    [InlineData(3, 4.0)]
    [InlineData(4, 12.0)]
    public void Int8_sparse_fc_on_either_side_of_the_crossover_is_bit_identical_to_the_reference(int seed, double timesCrossover)
    {
        var random = new Random(seed);
        int n = random.Next(1, 40), k = random.Next(17, 300), batch = random.Next(1, 3);
        double fraction = Math.Min(1, timesCrossover * FullyConnectedStep.DenseAboveKeptFraction(EpbDataType.Int8));
        var kept = KeptPositions(random, n * k, fraction);
        var w = kept.Select(keep => keep ? NonzeroInt8(random) : (sbyte)0).ToArray();
        var x = Enumerable.Range(0, batch * k).Select(_ => (sbyte)random.Next(-128, 128)).ToArray();
        var bias = Enumerable.Range(0, n).Select(_ => random.Next(-5000, 5000)).ToArray();
        // Weight scales that map a typical accumulator (|w·x| ≈ 64·74 per kept value, summed as a random walk) to about
        // ±40 output codes, so the outputs spread over the int8 range instead of saturating.
        double typicalAccumulator = 64 * 74 * Math.Sqrt((fraction * k) + 1);
        var scales = Enumerable.Range(0, n).Select(_ => (float)((0.5 + random.NextDouble()) * 40 / typicalAccumulator * 0.08 / 0.05)).ToArray();
        var q = Requantization.Create(0.05f, random.Next(-20, 20), scales, n, 0.08f, random.Next(-10, 10), float.NegativeInfinity, float.PositiveInfinity);
        var expected = new sbyte[batch * n];
        FullyConnectedInt8.Reference(w.Select(v => (int)v).ToArray(), n, k, x, bias, q, expected, batch);
        var encodings = WeightEncoder.Candidates(MemoryMarshal.AsBytes(w.AsSpan()).ToArray(), 1, n, w, allowSparse: true).Where(e => Unstructured.Contains(e.Encoding)).ToList();
        Assert.NotEmpty(encodings);
        foreach (var encoded in encodings)
        {
            var stored = KernelTwinTests.View(encoded, EpbDataType.Int8, [n, k]);
            var execution = FullyConnectedStep.ExecutionWeights(stored);
            AssertExecutionEncoding(stored, execution, dense: timesCrossover > 1);
            var actual = new sbyte[batch * n];
            FullyConnectedInt8.Run(execution, x, FullyConnectedInt8.FoldedBias(execution, bias, q.InputOffset), q, actual, batch);
            Assert.True(expected.SequenceEqual(actual), $"{encoded.Encoding} run as {execution.Encoding} ({n}x{k}, batch {batch}) differs from the reference");
        }
    }

    [Theory]
    [InlineData(5, 0.5)]
    [InlineData(6, 1.5)]
    [InlineData(7, 3.0)]
    public void Float_sparse_fc_on_either_side_of_the_crossover_matches_the_reference(int seed, double timesCrossover)
    {
        var random = new Random(seed);
        int n = random.Next(1, 40), k = random.Next(17, 300), batch = random.Next(1, 3);
        var kept = KeptPositions(random, n * k, Math.Min(1, timesCrossover * FullyConnectedStep.DenseAboveKeptFraction(EpbDataType.Float32)));
        var w = kept.Select(keep => keep ? (float)(random.NextDouble() - 0.5) : 0f).ToArray();
        var x = Enumerable.Range(0, batch * k).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var bias = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var expected = new float[batch * n];
        FullyConnectedFloat.Reference(w, n, k, x, bias, expected, batch, float.NegativeInfinity, float.PositiveInfinity);
        var encodings = WeightEncoder.Candidates(MemoryMarshal.AsBytes(w.AsSpan()).ToArray(), 4, n, null, allowSparse: true).Where(e => Unstructured.Contains(e.Encoding)).ToList();
        Assert.NotEmpty(encodings);
        foreach (var encoded in encodings)
        {
            var stored = KernelTwinTests.View(encoded, EpbDataType.Float32, [n, k]);
            var execution = FullyConnectedStep.ExecutionWeights(stored);
            AssertExecutionEncoding(stored, execution, dense: timesCrossover > 1);
            var actual = new float[batch * n];
            FullyConnectedFloat.Run(execution, x, bias, actual, batch, float.NegativeInfinity, float.PositiveInfinity);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + MathF.Abs(expected[i])), $"{encoded.Encoding} run as {execution.Encoding} [{i}]: {actual[i]} vs {expected[i]}");
            }
        }
    }
}
