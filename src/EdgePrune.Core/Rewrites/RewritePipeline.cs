using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Rewrites;

/// <summary>
/// Runs a list of passes in order, round after round, until a whole round changes nothing (every pass
/// returned its input instance) or <see cref="MaxRounds"/> is reached. One pass can enable another
/// (a removed Identity exposes a Conv→BatchNormalization pair), hence the rounds; the bound keeps a
/// pair of passes that undo each other from looping forever.
/// </summary>
public sealed class RewritePipeline : IGraphPass
{
    public RewritePipeline(IEnumerable<IGraphPass> passes, int maxRounds = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRounds, 1);
        Passes = [.. passes];
        MaxRounds = maxRounds;
    }

    /// <summary>
    /// The inference clean-up every imported model gets. Constants are folded first (Constant nodes become
    /// initializers, which the fusions then recognise as weights); MatMul+Add becomes Gemm before BatchNorm
    /// folding so a BatchNorm after a Linear folds in the same round; dead nodes go last.
    /// </summary>
    public static RewritePipeline Default { get; } = new(
    [
        new FoldConstants(),
        new RemoveIdentityAndDropout(),
        new FuseMatMulAddIntoGemm(),
        new FoldBatchNorm(),
        new FuseLayerNorm(),
        new RemoveUnusedNodes(),
    ]);

    public IReadOnlyList<IGraphPass> Passes { get; }

    public int MaxRounds { get; }

    public string Name => string.Join("+", Passes.Select(p => p.Name));

    public Graph Apply(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        for (int round = 0; round < MaxRounds; round++)
        {
            var before = graph;
            foreach (var pass in Passes)
            {
                graph = pass.Apply(graph);
            }

            if (ReferenceEquals(before, graph))
            {
                break;
            }
        }

        return graph;
    }
}
