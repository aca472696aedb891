namespace EdgePrune.Training.Trees;

public enum SplitCriterion
{
    Gini,
    Entropy,

    /// <summary>Mean squared error (regression).</summary>
    Mse,
}

/// <summary>Limits and choices for growing one CART tree. The defaults grow a tree until its leaves are pure.</summary>
public sealed record CartOptions
{
    public SplitCriterion Criterion { get; init; } = SplitCriterion.Gini;

    /// <summary>Deepest a leaf may sit (root = depth 0).</summary>
    public int MaxDepth { get; init; } = int.MaxValue;

    /// <summary>A node with fewer samples becomes a leaf.</summary>
    public int MinSamplesSplit { get; init; } = 2;

    /// <summary>No split may leave fewer samples on either side.</summary>
    public int MinSamplesLeaf { get; init; } = 1;

    /// <summary>Most leaves; when set, the tree grows best-first (largest impurity decrease first), as scikit-learn does.</summary>
    public int MaxLeaves { get; init; } = int.MaxValue;

    /// <summary>Features drawn at random per split (null: all). Random forests use √features.</summary>
    public int? MaxFeatures { get; init; }

    public int Seed { get; init; }

    internal void Check()
    {
        if (MaxDepth < 0 || MinSamplesSplit < 2 || MinSamplesLeaf < 1 || MaxLeaves < 2 || MaxFeatures is < 1)
        {
            throw new Core.EdgePruneException($"invalid tree options: max depth {MaxDepth} (>= 0), min samples split {MinSamplesSplit} (>= 2), min samples leaf {MinSamplesLeaf} (>= 1), max leaves {MaxLeaves} (>= 2), max features {MaxFeatures} (>= 1)");
        }
    }
}

/// <summary>A random forest: <see cref="TreeCount"/> CART trees on bootstrap samples with per-split feature sampling.</summary>
public sealed record ForestOptions
{
    public int TreeCount { get; init; } = 10;

    public bool Bootstrap { get; init; } = true;

    /// <summary>Options for each tree; null MaxFeatures means √features here.</summary>
    public CartOptions Tree { get; init; } = new();

    public int Seed { get; init; }
}
