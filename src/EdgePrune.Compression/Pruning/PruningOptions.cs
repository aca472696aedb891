using EdgePrune.Core;

namespace EdgePrune.Compression.Pruning;

/// <summary>How the target sparsity is split among layers.</summary>
public enum PruningScope
{
    /// <summary>Every layer loses the same fraction.</summary>
    Layer,

    /// <summary>One threshold on the scores of all layers (each keeps at least <see cref="PruningOptions.MinKeptPerLayer"/>).</summary>
    Global,

    /// <summary>
    /// Per-layer fractions set by Erdős–Rényi-kernel (<see cref="ErkAllocation"/>): a layer's density goes with
    /// (inputs + outputs + kernel dims) / weights, so small layers such as the classifier keep far more.
    /// </summary>
    Erk,
}

/// <summary>What <see cref="MagnitudePruner"/> removes.</summary>
public sealed record PruningOptions
{
    /// <summary>Fraction of weights (or blocks) to zero, in [0, 1). Ignored by N:M patterns, whose ratio fixes it.</summary>
    public float Sparsity { get; init; }

    public SparsityPattern Pattern { get; init; } = SparsityPattern.Unstructured;

    public PruningScope Scope { get; init; } = PruningScope.Layer;

    /// <summary>
    /// With a global threshold, the fraction of each layer's weights (or blocks) kept whatever their magnitude, and
    /// never fewer than one: a small layer of small weights (often the classifier) would otherwise be cut to nothing.
    /// </summary>
    public float MinKeptPerLayer { get; init; } = 0.02f;

    public void Validate()
    {
        if (Pattern.Kind != PatternKind.NOfM && !(Sparsity >= 0 && Sparsity < 1))
        {
            throw new EdgePruneException($"sparsity must be in [0, 1) (got {Sparsity}): it is the fraction of weights set to zero");
        }

        if (Pattern.Kind == PatternKind.NOfM && Scope != PruningScope.Layer)
        {
            throw new EdgePruneException($"a {Scope.ToString().ToLowerInvariant()} scope applies to unstructured and block patterns; {Pattern} keeps {Pattern.N} of every {Pattern.M} weights in each group");
        }

        if (!(MinKeptPerLayer >= 0 && MinKeptPerLayer <= 1))
        {
            throw new EdgePruneException($"the minimum kept per layer must be a fraction in [0, 1] (got {MinKeptPerLayer})");
        }
    }
}
