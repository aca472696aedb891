using System.Collections.Immutable;

namespace EdgePrune.Core.Trees;

/// <summary>One vote of a leaf: <see cref="Value"/> is added to the score of class (or regression target) <see cref="Target"/>.</summary>
public readonly record struct LeafWeight(int Target, float Value);

/// <summary>
/// A node of a <see cref="DecisionTree"/>. Branches use <see cref="Feature"/>, <see cref="Threshold"/>, the two child
/// indices (into the tree's node list) and <see cref="MissingTracksTrue"/>; leaves use <see cref="Weights"/>, kept in
/// file order because ONNX Runtime adds them in that order (float sums are order-sensitive).
/// </summary>
public sealed record TreeNode
{
    public required TreeNodeMode Mode { get; init; }

    public int Feature { get; init; }

    public float Threshold { get; init; }

    public int TrueChild { get; init; } = -1;

    public int FalseChild { get; init; } = -1;

    /// <summary>A NaN feature goes to the true child (ONNX-ML <c>nodes_missing_value_tracks_true</c>); otherwise the comparison decides (NaN compares false).</summary>
    public bool MissingTracksTrue { get; init; }

    public ImmutableArray<LeafWeight> Weights { get; init; } = [];

    public bool IsLeaf => Mode == TreeNodeMode.Leaf;

    public static TreeNode Branch(TreeNodeMode mode, int feature, float threshold, int trueChild, int falseChild, bool missingTracksTrue = false) =>
        new() { Mode = mode, Feature = feature, Threshold = threshold, TrueChild = trueChild, FalseChild = falseChild, MissingTracksTrue = missingTracksTrue };

    public static TreeNode LeafOf(params LeafWeight[] weights) => new() { Mode = TreeNodeMode.Leaf, Weights = [.. weights] };
}
