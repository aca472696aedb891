using EdgePrune.Core.Ir;
using EdgePrune.Training;
using EdgePrune.Training.Data;

namespace EdgePrune.Compression.Pruning;

/// <summary>
/// Recovers accuracy lost to pruning by fine-tuning with the pruned weights pinned at zero: the same
/// <see cref="Trainer.KeepZerosAsMasks"/> path as <c>edgeprune finetune</c>, so the sparsity pattern survives training.
/// With a <c>teacher</c> (usually the dense model) the loss is distillation's α·CE + (1 − α)·T²·KL of the options.
/// </summary>
public static class PruningRecovery
{
    public static TrainingResult Finetune(Graph pruned, Dataset train, TrainingOptions options, Action<EpochReport>? onEpoch = null, CancellationToken cancel = default, Graph? teacher = null)
    {
        var trainer = new Trainer(pruned, options, teacher);
        trainer.KeepZerosAsMasks();
        return trainer.Fit(train, validation: null, onEpoch, cancel: cancel);
    }
}
