using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Training;
using EdgePrune.Training.Data;

namespace EdgePrune.Compression.Pruning.Schedules;

/// <summary>
/// Iterative prune–fine-tune (Han et al. 2015): <c>rounds</c> rounds, each pruning to a higher sparsity and then
/// fine-tuning with the zeros pinned. Round r of R keeps (1 − s_f)^(r/R) of the weights, so every round removes the
/// same fraction of what is left. Weights pruned in one round score zero in the next, so masks only grow.
/// </summary>
public static class IterativePruning
{
    public static Graph Run(Graph graph, Dataset train, TrainingOptions roundTraining, PruningOptions final, int rounds, Criteria.IPruningCriterion? criterion = null, Action<int, float>? onRound = null)
    {
        final.Validate();
        if (rounds < 1)
        {
            throw new EdgePruneException($"iterative pruning needs at least one round (got {rounds})");
        }

        for (int round = 1; round <= rounds; round++)
        {
            float sparsity = round == rounds ? final.Sparsity : (float)(1 - Math.Pow(1 - final.Sparsity, (double)round / rounds));
            graph = MagnitudePruner.Prune(graph, final with { Sparsity = sparsity }, criterion ?? Criteria.MagnitudeCriterion.Instance).Graph;
            graph = PruningRecovery.Finetune(graph, train, roundTraining).Graph;
            onRound?.Invoke(round, sparsity);
        }

        return graph;
    }
}
