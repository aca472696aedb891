namespace EdgePrune.Training.Trees;

/// <summary>
/// Features mapped to at most 256 ordered bins, so split search is a histogram scan. A feature with at most 256 distinct
/// values (uint8 pixels, int8 sensor codes) gets one bin per value and the search is exact; others get quantile bins.
/// Stored column-major: <c>Codes[feature][sample]</c>.
/// </summary>
internal sealed class FeatureBins
{
    private FeatureBins(byte[][] codes, float[][] lower, float[][] upper)
    {
        Codes = codes;
        Lower = lower;
        Upper = upper;
    }

    public byte[][] Codes { get; }

    /// <summary>Smallest training value in each bin, per feature.</summary>
    public float[][] Lower { get; }

    /// <summary>Largest training value in each bin, per feature.</summary>
    public float[][] Upper { get; }

    public static FeatureBins Build(TreeDataset data)
    {
        int f = data.FeatureCount;
        int n = data.Rows;
        var codes = new byte[f][];
        var lower = new float[f][];
        var upper = new float[f][];
        Parallel.For(0, f, j =>
        {
            var column = new float[n];
            for (int i = 0; i < n; i++)
            {
                column[i] = data.Features[(i * f) + j];
            }

            float[] distinct = [.. column.Distinct().Order()];
            float[] edges = distinct.Length <= 256
                ? distinct
                : [.. Enumerable.Range(1, 256).Select(k => distinct[(int)((long)k * distinct.Length / 256) - 1]).Distinct()];
            var code = new byte[n];
            var lo = Enumerable.Repeat(float.PositiveInfinity, edges.Length).ToArray();
            var hi = Enumerable.Repeat(float.NegativeInfinity, edges.Length).ToArray();
            for (int i = 0; i < n; i++)
            {
                int b = Array.BinarySearch(edges, column[i]);
                b = b >= 0 ? b : ~b;
                code[i] = (byte)b;
                lo[b] = Math.Min(lo[b], column[i]);
                hi[b] = Math.Max(hi[b], column[i]);
            }

            codes[j] = code;
            lower[j] = lo;
            upper[j] = hi;
        });
        return new FeatureBins(codes, lower, upper);
    }

    /// <summary>
    /// Threshold t with "x &lt;= t" exactly for the bins up to <paramref name="bin"/>: midway to the next occupied bin
    /// (as scikit-learn splits), unless float rounding would put the midpoint on the next bin's value.
    /// </summary>
    public float Threshold(int feature, int bin, int nextBin)
    {
        float a = Upper[feature][bin];
        float b = Lower[feature][nextBin];
        float mid = (a * 0.5f) + (b * 0.5f);
        return mid >= a && mid < b ? mid : a;
    }
}
