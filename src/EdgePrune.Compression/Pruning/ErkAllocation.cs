namespace EdgePrune.Compression.Pruning;

/// <summary>
/// Erdős–Rényi-kernel allocation (Evci et al. 2020, "Rigging the Lottery", §3): layer l keeps a density
/// ε · (Σ of its weight dims) / (Π of its weight dims), one ε for all layers, chosen so that the kept weights add up
/// to (1 − sparsity) of the total. A layer whose density would exceed 1 stays dense and ε is solved again over the
/// others. Large layers (LeNet-300-100's 784 × 300) take most of the cut; a 100 × 10 classifier keeps a third.
/// </summary>
public static class ErkAllocation
{
    /// <summary>The sparsity of each layer, in the order given; their weighted mean is <paramref name="sparsity"/>.</summary>
    public static double[] Sparsities(IReadOnlyList<WeightMatrix> layers, double sparsity)
    {
        var sizes = layers.Select(l => (double)l.Weights.ElementCount).ToArray();
        var raw = layers.Select(l => l.Weights.Shape.ToArray().Sum(d => (double)d) / l.Weights.ElementCount).ToArray();
        var dense = new bool[layers.Count];
        double keep = (1 - sparsity) * sizes.Sum();
        while (true)
        {
            double budget = keep - Enumerable.Range(0, sizes.Length).Where(i => dense[i]).Sum(i => sizes[i]);
            double weighted = Enumerable.Range(0, sizes.Length).Where(i => !dense[i]).Sum(i => raw[i] * sizes[i]);
            double epsilon = weighted > 0 ? budget / weighted : 0;
            var over = Enumerable.Range(0, sizes.Length).Where(i => !dense[i] && epsilon * raw[i] > 1).ToList();
            if (over.Count == 0)
            {
                return Enumerable.Range(0, sizes.Length).Select(i => dense[i] ? 0 : Math.Max(0, 1 - epsilon * raw[i])).ToArray();
            }

            foreach (int i in over)
            {
                dense[i] = true;
            }
        }
    }
}
