using EdgePrune.Core;
using EdgePrune.Core.Trees;

namespace EdgePrune.Compression.Trees;

/// <summary>
/// Rewrites thresholds as integers for models whose features are integers in [min, max] (uint8 pixels, int8/int16
/// sensor codes), so the C export compares integers and stores 1- or 2-byte thresholds. Every decision is unchanged
/// for every integer input in range: x ≤ t ⇔ x ≤ ⌊t⌋, x &lt; t ⇔ x &lt; ⌈t⌉, x ≥ t ⇔ x ≥ ⌈t⌉, x &gt; t ⇔ x &gt; ⌊t⌋;
/// an equality against a non-integer never holds, so it becomes one against min − 1. Thresholds are clamped to
/// [min − 1, max + 1], where decisions no longer change.
/// </summary>
public static class ThresholdQuantizer
{
    public static TreeEnsemble ForIntegerFeatures(TreeEnsemble ensemble, int min, int max)
    {
        if (min > max)
        {
            throw new EdgePruneException($"feature range [{min}, {max}] is empty");
        }

        return ensemble with
        {
            Trees = [.. ensemble.Trees.Select(tree => tree.Map(n => n.IsLeaf ? n : n with { Threshold = Quantize(n.Mode, n.Threshold, min, max) }))],
        };
    }

    /// <summary>The narrowest C integer type that holds every threshold of an integer-threshold ensemble, or null when some threshold is fractional.</summary>
    public static string? IntegerThresholdType(TreeEnsemble ensemble)
    {
        var thresholds = ensemble.Trees.SelectMany(t => t.Nodes).Where(n => !n.IsLeaf).Select(n => n.Threshold).ToList();
        if (thresholds.Any(t => t != MathF.Floor(t) || Math.Abs(t) > 32767))
        {
            return null;
        }

        return thresholds.All(t => t is >= 0 and <= 255) ? "uint8_t"
            : thresholds.All(t => t is >= -128 and <= 127) ? "int8_t"
            : "int16_t";
    }

    private static float Quantize(TreeNodeMode mode, float t, int min, int max)
    {
        float q = mode switch
        {
            TreeNodeMode.BranchLeq or TreeNodeMode.BranchGt => MathF.Floor(t),
            TreeNodeMode.BranchLt or TreeNodeMode.BranchGte => MathF.Ceiling(t),
            _ => t == MathF.Floor(t) ? t : min - 1,
        };
        return Math.Clamp(q, min - 1, max + 1);
    }
}
