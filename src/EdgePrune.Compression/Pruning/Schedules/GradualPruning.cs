using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Training;
using EdgePrune.Training.Autograd;
using EdgePrune.Training.Data;

namespace EdgePrune.Compression.Pruning.Schedules;

/// <summary>How <see cref="GradualPruning"/> spreads pruning over fine-tuning.</summary>
public sealed record GradualOptions
{
    /// <summary>Pattern, scope and final sparsity of the masks (<see cref="PruningOptions.Sparsity"/> is s_f).</summary>
    public required PruningOptions Pruning { get; init; }

    public float InitialSparsity { get; init; }

    /// <summary>Masks are recomputed every this many optimizer steps (Zhu &amp; Gupta's Δt).</summary>
    public int Every { get; init; } = 50;

    /// <summary>The fraction of all training steps over which sparsity rises; the rest fine-tunes at s_f.</summary>
    public float RampFraction { get; init; } = 0.75f;
}

/// <summary>
/// Gradual magnitude pruning during fine-tuning (Zhu &amp; Gupta 2017): every <see cref="GradualOptions.Every"/> steps
/// the weights are pruned by magnitude to the <see cref="PolynomialSparsity"/> target of that step, and the zeros become
/// the training masks, so a pruned weight never returns and the rest keep learning around it. A <c>teacher</c> turns the
/// loss into distillation from it.
/// </summary>
public static class GradualPruning
{
    public static TrainingResult Run(Graph graph, Dataset train, TrainingOptions training, GradualOptions options, Action<EpochReport>? onEpoch = null, CancellationToken cancel = default, Graph? teacher = null)
    {
        options.Pruning.Validate();
        if (options.Pruning.Pattern.Kind == PatternKind.NOfM)
        {
            throw new EdgePruneException($"a gradual schedule raises sparsity step by step; {options.Pruning.Pattern} fixes it, so prune it one-shot and fine-tune");
        }

        if (options.Every < 1 || !(options.RampFraction > 0 && options.RampFraction <= 1))
        {
            throw new EdgePruneException($"a gradual schedule needs masks updated every ≥ 1 step and a ramp fraction in (0, 1] (got {options.Every}, {options.RampFraction})");
        }

        var trainer = new Trainer(graph, training, teacher);
        var layers = WeightMatrix.Find(graph);
        var parameters = layers.Select(l => trainer.Engine.Parameters.FirstOrDefault(p => p.Name == l.Name)
            ?? throw new EdgePruneException($"weight '{l.Name}' is not trainable, so it cannot be pruned gradually")).ToArray();
        int stepsPerEpoch = (train.Count + training.BatchSize - 1) / training.BatchSize;
        int total = stepsPerEpoch * training.Epochs;
        var schedule = new PolynomialSparsity(options.InitialSparsity, options.Pruning.Sparsity, 0, Math.Max(1, (int)(options.RampFraction * total)));
        schedule.Validate();
        Prune(graph, layers, parameters, options.Pruning with { Sparsity = schedule.At(0) });
        return trainer.Fit(train, validation: null, onEpoch, onStep: step =>
        {
            int t = (step.Epoch - 1) * step.StepsPerEpoch + step.Step;
            bool last = t == step.StepsPerEpoch * training.Epochs;
            // The last step always prunes to s_f, so a run shorter than the mask interval still ends at the asked sparsity.
            if ((t % options.Every == 0 && t <= schedule.Start + schedule.Steps + options.Every) || last)
            {
                Prune(graph, layers, parameters, options.Pruning with { Sparsity = schedule.At(t) });
            }
        }, cancel: cancel);
    }

    /// <summary>Prunes the current weights to <paramref name="options"/>' sparsity and pins the zeros as masks.</summary>
    private static void Prune(Graph graph, IReadOnlyList<WeightMatrix> layers, Parameter[] parameters, PruningOptions options)
    {
        var initializers = graph.Initializers;
        for (int i = 0; i < layers.Count; i++)
        {
            initializers = initializers.SetItem(layers[i].Name, Tensor.FromArray(parameters[i].Values.ToArray(), layers[i].Weights.Shape.ToArray()));
        }

        var pruned = MagnitudePruner.Prune(graph with { Initializers = initializers }, options).Graph;
        for (int i = 0; i < layers.Count; i++)
        {
            var values = pruned.Initializers[layers[i].Name].ToFloatArray();
            parameters[i].SetMask(values.Select(v => v == 0 ? 0f : 1f).ToArray());
        }
    }
}
