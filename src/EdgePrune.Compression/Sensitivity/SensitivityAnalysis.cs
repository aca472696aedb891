using EdgePrune.Compression.Pruning;

namespace EdgePrune.Compression.Sensitivity;

/// <summary>What the analysis sweeps.</summary>
public sealed record SensitivityOptions
{
    /// <summary>Unstructured sparsities tried on each layer.</summary>
    public IReadOnlyList<float> Sparsities { get; init; } = [0.5f, 0.7f, 0.8f, 0.9f, 0.95f, 0.98f];

    /// <summary>N:M patterns tried on each layer.</summary>
    public IReadOnlyList<SparsityPattern> NOfM { get; init; } = [SparsityPattern.Parse("2:4"), SparsityPattern.Parse("1:4")];

    public IReadOnlyList<LayerOption> Grid => LayerOption.Grid(Sparsities, NOfM);
}

/// <summary>The score of the model when one layer alone takes <see cref="Option"/> (every other layer dense int8).</summary>
public sealed record SensitivityEntry(LayerOption Option, double Score);

/// <summary>One layer's sweep.</summary>
public sealed record LayerSensitivity(PrunableLayer Layer, IReadOnlyList<SensitivityEntry> Entries)
{
    /// <summary>The score with this option, or null when the sweep stopped before measuring it.</summary>
    public double? ScoreOf(LayerOption option) => Entries.FirstOrDefault(e => e.Option == option)?.Score;
}

/// <summary>
/// Per-layer sensitivity: <see cref="Baseline"/> is the score with every layer dense int8; each entry, the score when
/// one layer alone is pruned and/or int4. <see cref="Complete"/> is false when a deadline cut the sweep short.
/// </summary>
public sealed record SensitivityReport(ScoreMetric Metric, int Samples, double Baseline, IReadOnlyList<LayerSensitivity> Layers, bool Complete)
{
    /// <summary>Score lost (baseline minus score, in [0, 1]) when <paramref name="weight"/>'s layer alone takes <paramref name="option"/>; unmeasured counts as everything lost.</summary>
    public double LossOf(string weight, LayerOption option)
    {
        if (option == LayerOption.Dense8)
        {
            return 0;
        }

        var layer = Layers.FirstOrDefault(l => l.Layer.Weight == weight);
        return layer?.ScoreOf(option) is { } score ? Baseline - score : Baseline;
    }

    /// <summary>A layer's sensitivity in one number: the score lost at the sweep's highest unstructured int8 sparsity.</summary>
    public double? HeadlineLoss(string weight)
    {
        var layer = Layers.FirstOrDefault(l => l.Layer.Weight == weight);
        var worst = layer?.Entries.Where(e => e.Option.Bits == 8 && e.Option.Pattern.Kind == PatternKind.Unstructured && e.Option.IsPruned).MaxBy(e => e.Option.Sparsity);
        return worst is null ? null : Baseline - worst.Score;
    }
}

/// <summary>
/// Layer-by-layer sensitivity (the method of Han et al. 2015, "Learning both weights and connections", §3.2, extended
/// to bit width): for each prunable layer and each option of the grid, that layer alone is pruned by magnitude
/// and/or quantized to int4, every other layer stays dense int8, and the model is scored in the integer executor on
/// a subset of the evaluation data. No retraining happens between, so the figures are the damage before recovery.
/// </summary>
public static class SensitivityAnalysis
{
    public static SensitivityReport Run(CandidateBuilder builder, ModelScorer scorer, SensitivityOptions options, Action<string>? progress = null, DateTime? deadline = null)
    {
        var dense = CompressionRecipe.Uniform(builder.Weights, LayerOption.Dense8);
        double baseline = scorer.Score(builder.Build(dense));
        var grid = options.Grid.Where(o => o != LayerOption.Dense8).ToList();
        var layers = new List<LayerSensitivity>();
        bool complete = true;
        foreach (var layer in builder.Layers)
        {
            var entries = new List<SensitivityEntry>();
            foreach (var option in grid)
            {
                if (deadline is { } d && DateTime.UtcNow > d)
                {
                    complete = false;
                    break;
                }

                entries.Add(new SensitivityEntry(option, scorer.Score(builder.Build(dense.With(layer.Weight, option)))));
            }

            layers.Add(new LayerSensitivity(layer, entries));
            progress?.Invoke($"sensitivity of {layer.Node}: {string.Join(", ", entries.Where(e => e.Option.Bits == 8).Select(e => $"{e.Option.Sparsity:0.##}→{e.Score:P1}"))}");
        }

        return new SensitivityReport(scorer.Metric, scorer.Count, baseline, layers, complete);
    }
}
