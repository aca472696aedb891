namespace EdgePrune.Compression.Quantization;

/// <summary>
/// Chooses a clipping range from a histogram. Candidates for MSE and entropy move each end of the observed range
/// towards zero by a factor α ∈ [1/8, 1] (128 steps), which keeps 0 inside (a ReLU output stays [0, α·max]).
/// docs/quantization.md gives the formulas.
/// </summary>
public static class RangeSearch
{
    private const int Candidates = 128;
    private const double SmallestShrink = 0.125;
    private const int Levels = 256;

    public static (float Min, float Max) Choose(Histogram histogram, CalibrationOptions options) => options.Method switch
    {
        CalibrationMethod.Percentile => Percentile(histogram, options.Percentile),
        CalibrationMethod.Mse => Best(histogram, ExpectedSquaredError),
        CalibrationMethod.Entropy => Best(histogram, KlDivergence),
        _ => (histogram.Low, histogram.High),
    };

    /// <summary>The values at the (100 − p)-th and p-th percentiles, read at bin edges.</summary>
    public static (float Min, float Max) Percentile(Histogram histogram, double percentile)
    {
        if (percentile is <= 50 or > 100)
        {
            throw new Core.EdgePruneException($"percentile {percentile} must be in (50, 100]");
        }

        long total = histogram.Counts.Sum();
        double tail = total * (100 - percentile) / 100;
        int lowBin = 0;
        long seen = 0;
        while (lowBin < histogram.Counts.Length - 1 && seen + histogram.Counts[lowBin] <= tail)
        {
            seen += histogram.Counts[lowBin++];
        }

        int highBin = histogram.Counts.Length - 1;
        seen = 0;
        while (highBin > lowBin && seen + histogram.Counts[highBin] <= tail)
        {
            seen += histogram.Counts[highBin--];
        }

        float lo = (float)(histogram.Low + lowBin * histogram.BinWidth);
        float hi = (float)(histogram.Low + (highBin + 1) * histogram.BinWidth);
        return (Math.Min(lo, 0), Math.Max(hi, 0));
    }

    /// <summary>
    /// Coordinate descent over the two ends: the upper end is searched with the lower one fixed, then the lower end
    /// with the upper one fixed, twice, so an outlier on one side does not force clipping of the other.
    /// </summary>
    private static (float Min, float Max) Best(Histogram histogram, Func<Histogram, float, float, double> cost)
    {
        float fullLow = Math.Min(histogram.Low, 0), fullHigh = Math.Max(histogram.High, 0);
        float lo = fullLow, hi = fullHigh;
        for (int round = 0; round < 2; round++)
        {
            float fixedLow = lo;
            hi = Search(alpha => cost(histogram, fixedLow, alpha * fullHigh), fullHigh);
            float fixedHigh = hi;
            lo = Search(alpha => cost(histogram, alpha * fullLow, fixedHigh), fullLow);
        }

        return (lo, hi);
    }

    /// <summary>The end α·full, α ∈ [1/8, 1], of least cost; ties keep the wider range.</summary>
    private static float Search(Func<float, double> cost, float full)
    {
        if (full == 0)
        {
            return 0;
        }

        float best = full;
        double bestCost = double.PositiveInfinity;
        for (int k = Candidates; k >= 0; k--)
        {
            float alpha = (float)(SmallestShrink + (1 - SmallestShrink) * k / Candidates);
            double c = cost(alpha);
            if (c < bestCost)
            {
                (bestCost, best) = (c, alpha * full);
            }
        }

        return best;
    }

    /// <summary>Σ_b n_b · (c_b − dequantize(quantize(c_b)))² with c_b the bin centre, for the int8 grid of [lo, hi].</summary>
    public static double ExpectedSquaredError(Histogram histogram, float lo, float hi)
    {
        var q = TensorQuantization.Activation(lo, hi);
        double error = 0;
        for (int b = 0; b < histogram.Counts.Length; b++)
        {
            if (histogram.Counts[b] == 0)
            {
                continue;
            }

            float c = (float)histogram.Center(b);
            double d = c - q.Dequantize(q.Quantize(c));
            error += histogram.Counts[b] * d * d;
        }

        return error;
    }

    /// <summary>
    /// KL(P‖Q) as TensorRT's entropy calibration defines it: P is the histogram inside [lo, hi] with the counts
    /// outside folded into the edge bins; Q is the histogram inside [lo, hi] without them, each int8 level's total
    /// spread evenly over that level's non-empty bins. Folding makes clipping cost, coarse levels make width cost.
    /// </summary>
    public static double KlDivergence(Histogram histogram, float lo, float hi)
    {
        const double Floor = 1e-12;
        var q = TensorQuantization.Activation(lo, hi);
        int first = Math.Clamp((int)Math.Floor((lo - histogram.Low) / histogram.BinWidth), 0, histogram.Counts.Length - 1);
        int last = Math.Clamp((int)Math.Ceiling((hi - histogram.Low) / histogram.BinWidth) - 1, first, histogram.Counts.Length - 1);
        int n = last - first + 1;
        var p = new double[n];
        for (int b = 0; b < histogram.Counts.Length; b++)
        {
            p[Math.Clamp(b - first, 0, n - 1)] += histogram.Counts[b];
        }

        var levelTotal = new double[Levels];
        var levelBins = new int[Levels];
        var level = new int[n];
        for (int i = 0; i < n; i++)
        {
            long inside = histogram.Counts[first + i];
            level[i] = q.Quantize((float)histogram.Center(first + i)) + 128;
            if (inside > 0)
            {
                levelTotal[level[i]] += inside;
                levelBins[level[i]]++;
            }
        }

        double pTotal = p.Sum();
        double qTotal = levelTotal.Sum();
        if (pTotal == 0 || qTotal == 0)
        {
            return double.PositiveInfinity;
        }

        double kl = 0;
        for (int i = 0; i < n; i++)
        {
            if (p[i] == 0)
            {
                continue;
            }

            double pi = p[i] / pTotal;
            double qi = histogram.Counts[first + i] > 0 ? levelTotal[level[i]] / levelBins[level[i]] / qTotal : 0;
            kl += pi * Math.Log(pi / Math.Max(qi, Floor));
        }

        return kl;
    }
}
