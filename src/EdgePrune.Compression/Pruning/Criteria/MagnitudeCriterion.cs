using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Pruning.Criteria;

/// <summary>|w|: the smallest weights go first. Needs no data.</summary>
public sealed class MagnitudeCriterion : IPruningCriterion
{
    public static MagnitudeCriterion Instance { get; } = new();

    public string Name => "magnitude";

    public IReadOnlyList<LayerSaliency> Assess(Graph graph, IReadOnlyList<WeightMatrix> layers) =>
        layers.Select(m => new LayerSaliency(m.Weights.ToFloatArray().Select(Math.Abs).ToArray())).ToList();
}
