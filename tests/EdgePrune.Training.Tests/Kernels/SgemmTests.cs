using EdgePrune.Training.Kernels;

namespace EdgePrune.Training.Tests.Kernels;

public class SgemmTests
{
    public static TheoryData<bool, bool, int, int, int> Shapes
    {
        get
        {
            var data = new TheoryData<bool, bool, int, int, int>();
            var random = new Random(7);
            foreach (bool transA in new[] { false, true })
            {
                foreach (bool transB in new[] { false, true })
                {
                    data.Add(transA, transB, 1, 1, 1);
                    data.Add(transA, transB, 37, 300, 19);
                    for (int t = 0; t < 3; t++)
                    {
                        data.Add(transA, transB, random.Next(1, 70), random.Next(1, 90), random.Next(1, 50));
                    }
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Sgemm_matches_a_plain_triple_loop_in_double(bool transA, bool transB, int m, int n, int k)
    {
        var random = new Random(m * 1000 + n * 10 + k);
        float[] a = Random(random, m * k + 3), b = Random(random, k * n + 5), c = Random(random, m * n + 2);
        var expected = (float[])c.Clone();
        const float Alpha = 0.75f;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = transA ? a[3 + p * m + i] : a[3 + i * k + p];
                    double y = transB ? b[5 + j * k + p] : b[5 + p * n + j];
                    sum += x * y;
                }

                expected[2 + i * n + j] += (float)(Alpha * sum);
            }
        }

        Sgemm.Multiply(transA, transB, m, n, k, a, 3, b, 5, c, 2, accumulate: true, parallel: true, Alpha);
        for (int i = 0; i < c.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - c[i]) <= 1e-4f * (1 + Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {c[i]}");
        }
    }

    private static float[] Random(Random random, int count)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++)
        {
            data[i] = random.NextSingle() * 2 - 1;
        }

        return data;
    }
}
