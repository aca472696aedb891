namespace EdgePrune.Compression.Pruning;

/// <summary>
/// One pruned weight tensor. Bytes are fp32 storage: dense is 4 per weight; sparse is the cheaper of dense and a
/// bitmask (one bit per weight) plus the nonzero values, the encoding a runtime can decode without index arithmetic.
/// </summary>
public sealed record LayerPruning(string Node, string Weight, long Parameters, long NonZerosBefore, long NonZeros)
{
    public double Sparsity => Parameters == 0 ? 0 : 1 - (double)NonZeros / Parameters;

    public long BytesBefore => DenseOrBitmaskBytes(Parameters, NonZerosBefore);

    public long BytesAfter => DenseOrBitmaskBytes(Parameters, NonZeros);

    public static long DenseOrBitmaskBytes(long parameters, long nonZeros) => Math.Min(parameters * 4, (parameters + 7) / 8 + nonZeros * 4);
}

/// <summary>What <see cref="MagnitudePruner.Prune"/> did, per layer and in total.</summary>
public sealed record PruningReport(SparsityPattern Pattern, PruningScope Scope, IReadOnlyList<LayerPruning> Layers)
{
    public long Parameters => Layers.Sum(l => l.Parameters);

    public long NonZeros => Layers.Sum(l => l.NonZeros);

    public double Sparsity => Parameters == 0 ? 0 : 1 - (double)NonZeros / Parameters;

    public long BytesBefore => Layers.Sum(l => l.BytesBefore);

    public long BytesAfter => Layers.Sum(l => l.BytesAfter);
}
