using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Pruning.Criteria;

/// <summary>
/// Decides which weights matter: scores every weight of each prunable layer (the lowest are removed first, in whatever
/// pattern and scope the pruner applies) and may adjust the surviving weights once the mask is chosen (second-order
/// criteria compensate the removed weights). Data-aware criteria carry their calibration or training data.
/// </summary>
public interface IPruningCriterion
{
    /// <summary>How reports and the CLI name the criterion ("magnitude", "wanda", ...).</summary>
    string Name { get; }

    /// <summary>One <see cref="LayerSaliency"/> per entry of <paramref name="layers"/>, in the same order.</summary>
    IReadOnlyList<LayerSaliency> Assess(Graph graph, IReadOnlyList<WeightMatrix> layers);
}

/// <summary>The scores of one layer's weights, indexed like the stored weight tensor (higher is kept).</summary>
public class LayerSaliency(float[] scores)
{
    public float[] Scores { get; } = scores;

    /// <summary>
    /// Sets the weights marked in <paramref name="pruned"/> (stored indexing) to zero; a second-order criterion also
    /// moves the surviving ones to make up for them.
    /// </summary>
    public virtual void Compensate(float[] values, bool[] pruned)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (pruned[i])
            {
                values[i] = 0f;
            }
        }
    }
}
