using EdgePrune.Core.Ir;
using EdgePrune.Training;
using EdgePrune.Training.Data;

namespace EdgePrune.Compression.Pruning;

/// <summary>
/// Recovers accuracy lost to pruning by fine-tuning with the pruned weights pinned at zero: the same
/// <see cref="Trainer.KeepZerosAsMasks"/> path as <c>edgeprune finetune</c>, so the sparsity pattern survives training.
/// </summary>
public static class PruningRecovery
{
    public static TrainingResult Finetune(Graph pruned, Dataset train, TrainingOptions options, Action<EpochReport>? onEpoch = null, CancellationToken cancel = default)
    {
        var trainer = new Trainer(pruned, options);
        trainer.KeepZerosAsMasks();
        return trainer.Fit(train, validation: null, onEpoch, cancel: cancel);
    }
}
