using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Tests.Ops;

public class MatrixMultiplyTests
{
    [Theory]
    [InlineData(1, 1, 1, false)]
    [InlineData(3, 5, 63, false)]
    [InlineData(17, 9, 64, true)]
    [InlineData(33, 300, 70, true)]
    [InlineData(20, 4608, 49, true)]
    [InlineData(40, 1500, 200, true)]
    public void Accumulate_matches_a_double_precision_triple_loop(int m, int k, int n, bool parallel)
    {
        // Offsets and a non-zero c check that the product adds into c at the right places.
        var random = new Random(m * 7919 + k * 31 + n);
        float[] Random(int length) => Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray();
        var a = Random(3 + m * k);
        var b = Random(5 + k * n);
        var c = Random(2 + m * n);
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = c[2 + i * n + j];
                for (int p = 0; p < k; p++)
                {
                    sum += (double)a[3 + i * k + p] * b[5 + p * n + j];
                }

                expected[i * n + j] = sum;
            }
        }

        MatrixMultiply.Accumulate(a, 3, b, 5, c, 2, m, k, n, parallel);

        for (int i = 0; i < m * n; i++)
        {
            // Float sums of k terms of size ≤ 1 drift by about √k · 2⁻²⁴ relative to the terms.
            Assert.True(Math.Abs(c[2 + i] - expected[i]) <= 1e-5 * Math.Sqrt(k) + 1e-6, $"c[{i}] = {c[2 + i]}, expected {expected[i]}");
        }
    }
}
