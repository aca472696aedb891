using System.Collections.Immutable;
using EdgePrune.Compression.Pruning.Criteria;
using EdgePrune.Core;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Pruning;

/// <summary>The pruned graph (zeros written into its weights) and what was removed.</summary>
public sealed record PruningResult(Graph Graph, PruningReport Report);

/// <summary>
/// Pruning of the weights of Gemm, MatMul and Conv: the weights (or blocks, scored by their mean score) of lowest
/// score under a criterion (|w| unless another is given) become exact zeros. Ties are broken by position so the result
/// is deterministic.
/// </summary>
public static class MagnitudePruner
{
    public static PruningResult Prune(Graph graph, PruningOptions options) => Prune(graph, options, MagnitudeCriterion.Instance);

    /// <summary>Prunes by <paramref name="criterion"/>'s scores, then lets it compensate the surviving weights.</summary>
    public static PruningResult Prune(Graph graph, PruningOptions options, IPruningCriterion criterion)
    {
        options.Validate();
        var matrices = FindPrunable(graph);
        var values = matrices.Select(m => m.Weights.ToFloatArray()).ToArray();
        var saliency = criterion.Assess(graph, matrices);
        var scores = saliency.Select(s => s.Scores).ToArray();
        int[] counts = options.Pattern.Kind == PatternKind.NOfM ? [] : RemovedBlocks(matrices, scores, options);
        for (int i = 0; i < matrices.Count; i++)
        {
            var pruned = options.Pattern.Kind == PatternKind.NOfM
                ? NOfMMask(matrices[i], scores[i], options.Pattern.N, options.Pattern.M)
                : Mask(matrices[i], scores[i], options.Pattern, counts[i]);
            saliency[i].Compensate(values[i], pruned);
        }

        return Result(graph, matrices, values, options);
    }

    /// <summary>The prunable weights of <paramref name="graph"/>; a graph without any is a bad request.</summary>
    internal static IReadOnlyList<WeightMatrix> FindPrunable(Graph graph)
    {
        var matrices = WeightMatrix.Find(graph);
        if (matrices.Count == 0)
        {
            throw new EdgePruneException($"graph '{graph.Name}' has nothing to prune: no Gemm, MatMul or Conv reads a float weight initializer");
        }

        return matrices;
    }

    /// <summary>The graph with <paramref name="values"/> written into its weights, and the per-layer report.</summary>
    internal static PruningResult Result(Graph graph, IReadOnlyList<WeightMatrix> matrices, float[][] values, PruningOptions options)
    {
        var initializers = graph.Initializers;
        var layers = new List<LayerPruning>();
        for (int i = 0; i < matrices.Count; i++)
        {
            var m = matrices[i];
            initializers = initializers.SetItem(m.Name, Tensor.FromArray(values[i], m.Weights.Shape.ToArray()));
            layers.Add(new LayerPruning(m.Node.Describe(), m.Name, values[i].Length, CountNonZeros(m.Weights.ToFloatArray()), CountNonZeros(values[i])));
        }

        return new PruningResult(graph with { Initializers = initializers }, new PruningReport(options.Pattern, options.Scope, layers));
    }

    /// <summary>
    /// How many blocks (weights, when unstructured) each layer loses under the options' scope: the same fraction of
    /// each (layer), the layer's share of one threshold over all <paramref name="scores"/> (global), or the
    /// Erdős–Rényi-kernel fraction (erk).
    /// </summary>
    internal static int[] RemovedBlocks(IReadOnlyList<WeightMatrix> matrices, float[][] scores, PruningOptions options)
    {
        var blocks = matrices.Select((m, i) => Blocks(m, scores[i], options.Pattern)).ToArray();
        return options.Scope switch
        {
            PruningScope.Global => ChooseGlobal(blocks, options.Sparsity, options.MinKeptPerLayer),
            PruningScope.Erk => ErkAllocation.Sparsities(matrices, options.Sparsity)
                .Select((s, i) => Math.Min(blocks[i].Length - 1, (int)Math.Round(s * blocks[i].Length))).ToArray(),
            _ => blocks.Select(b => (int)Math.Floor(options.Sparsity * b.Length)).ToArray(),
        };
    }

    /// <summary>The <paramref name="count"/> blocks of lowest mean score of one layer, as a per-weight mask (stored order).</summary>
    internal static bool[] Mask(WeightMatrix m, float[] scores, SparsityPattern pattern, int count)
    {
        var blocks = Blocks(m, scores, pattern);
        var pruned = new bool[m.Weights.ElementCount];
        foreach (int b in ChooseSmallest(blocks, count))
        {
            foreach (int index in blocks[b].Indices)
            {
                pruned[index] = true;
            }
        }

        return pruned;
    }

    private static long CountNonZeros(float[] values) => values.LongCount(v => v != 0f);

    private readonly record struct Block(int[] Indices, double Score);

    /// <summary>Keeps the N highest scores of every M consecutive inputs of each output; a shorter last group keeps at most N.</summary>
    internal static bool[] NOfMMask(WeightMatrix m, float[] scores, int n, int groupSize)
    {
        var pruned = new bool[m.Weights.ElementCount];
        var group = new int[groupSize];
        for (int o = 0; o < m.Outputs; o++)
        {
            for (int start = 0; start < m.Inputs; start += groupSize)
            {
                int length = Math.Min(groupSize, m.Inputs - start);
                for (int k = 0; k < length; k++)
                {
                    group[k] = m.Index(o, start + k);
                }

                var order = group[..length].OrderBy(i => scores[i]).ThenByDescending(i => i).ToArray();
                for (int k = 0; k < length - n; k++)
                {
                    pruned[order[k]] = true;
                }
            }
        }

        return pruned;
    }

    private static Block[] Blocks(WeightMatrix m, float[] scores, SparsityPattern pattern)
    {
        int rows = pattern.Rows, columns = pattern.Columns;
        var blocks = new List<Block>();
        for (int o0 = 0; o0 < m.Outputs; o0 += rows)
        {
            for (int i0 = 0; i0 < m.Inputs; i0 += columns)
            {
                var indices = new List<int>(rows * columns);
                for (int o = o0; o < Math.Min(o0 + rows, m.Outputs); o++)
                {
                    for (int i = i0; i < Math.Min(i0 + columns, m.Inputs); i++)
                    {
                        indices.Add(m.Index(o, i));
                    }
                }

                blocks.Add(new Block([.. indices], indices.Average(i => (double)scores[i])));
            }
        }

        return [.. blocks];
    }

    private static int[] ChooseSmallest(Block[] blocks, int count) =>
        Enumerable.Range(0, blocks.Length).OrderBy(b => blocks[b].Score).ThenBy(b => b).Take(count).ToArray();

    /// <summary>
    /// One threshold over all layers: the globally smallest blocks go first, except that a layer stops losing blocks
    /// once only its minimum is left, and the next smallest blocks elsewhere take its place. Returns how many each
    /// layer loses; they are its own smallest, so <see cref="Mask"/> picks the same ones.
    /// </summary>
    private static int[] ChooseGlobal(Block[][] blocks, float sparsity, float minKept)
    {
        long total = blocks.Sum(b => (long)b.Length);
        long target = (long)Math.Floor(sparsity * total);
        var removable = blocks.Select(b => b.Length - Math.Max(1, (int)Math.Ceiling(minKept * b.Length))).ToArray();
        var chosen = new int[blocks.Length];
        var ranked = blocks.SelectMany((layer, l) => layer.Select((block, b) => (Layer: l, Block: b, block.Score)))
            .OrderBy(x => x.Score).ThenBy(x => x.Layer).ThenBy(x => x.Block);
        long removed = 0;
        foreach (var (layer, _, _) in ranked)
        {
            if (removed == target)
            {
                break;
            }

            if (chosen[layer] < removable[layer])
            {
                chosen[layer]++;
                removed++;
            }
        }

        return chosen;
    }
}
