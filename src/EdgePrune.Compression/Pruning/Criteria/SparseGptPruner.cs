using EdgePrune.Core;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Pruning.Criteria;

/// <summary>The parts of SparseGPT that go beyond scoring the dense weights; each can be turned off to measure what it brings.</summary>
public sealed record SparseGptOptions
{
    /// <summary>λ added to the Hessian's diagonal, as a fraction of its mean (the paper's 1 %).</summary>
    public double Dampening { get; init; } = 0.01;

    /// <summary>
    /// Columns per block within which the unstructured mask is chosen from the weights as updated so far (the paper's
    /// adaptive mask selection, 128 there); N:M groups are then chosen from updated weights too. 0 chooses every mask
    /// once from the weights before any update.
    /// </summary>
    public int BlockSize { get; init; } = 128;

    /// <summary>Each layer's Hessian from the inputs the already-pruned earlier layers produce (the paper), not the dense model's.</summary>
    public bool Sequential { get; init; } = true;

    public void Validate()
    {
        if (!(Dampening > 0) || BlockSize < 0)
        {
            throw new EdgePruneException($"SparseGPT needs a positive dampening and a block size of 0 or more (got {Dampening}, {BlockSize})");
        }
    }
}

/// <summary>
/// SparseGPT (Frantar &amp; Alistarh 2023, Algorithm 1) over a whole model. Layers are pruned one at a time in graph
/// order; with <see cref="SparseGptOptions.Sequential"/> each layer's Hessian H = XᵀX + λI comes from the calibration
/// inputs as the already-pruned (and compensated) earlier layers transform them, so a layer makes up for the error of
/// those before it. Within a layer the columns are walked left to right; every
/// <see cref="SparseGptOptions.BlockSize"/> columns the block's mask is chosen by the OBS error w² / Uⱼⱼ² of the
/// weights as updated so far, each removed weight's error is pushed onto the columns after it through row j of
/// U (Cholesky factor of H⁻¹), and the block loses its share of the layer's count. The paper's lazy batched updates
/// are the same arithmetic reordered for GPU memory traffic; the update here is applied column by column.
/// The number each layer loses follows <see cref="PruningOptions.Scope"/>; a global scope ranks the OBS errors of the
/// dense model's layers against one another.
/// </summary>
public static class SparseGptPruner
{
    public static PruningResult Prune(Graph graph, PruningOptions options, Tensor calibration, SparseGptOptions? settings = null)
    {
        options.Validate();
        settings ??= new SparseGptOptions();
        settings.Validate();
        var matrices = MagnitudePruner.FindPrunable(graph);
        var dense = LayerInputs.Activations(graph, calibration);
        int[] counts = [];
        if (options.Pattern.Kind != PatternKind.NOfM)
        {
            // Only a global threshold reads scores; the other scopes fix each layer's count from its size.
            var scores = matrices.Select(m => options.Scope == PruningScope.Global
                ? SparseGptCriterion.Scores(m, m.Weights.ToFloatArray(), Factor(m, dense, settings.Dampening))
                : new float[m.Weights.ElementCount]).ToArray();
            counts = MagnitudePruner.RemovedBlocks(matrices, scores, options);
        }

        var current = graph;
        var values = new float[matrices.Count][];
        for (int i = 0; i < matrices.Count; i++)
        {
            var layer = matrices[i];
            var activations = settings.Sequential && i > 0 ? LayerInputs.Activations(current, calibration) : dense;
            var factor = Factor(layer, activations, settings.Dampening);
            values[i] = PruneLayer(layer, factor, options.Pattern, counts.Length > 0 ? counts[i] : 0, settings.BlockSize);
            current = current with { Initializers = current.Initializers.SetItem(layer.Name, Tensor.FromArray(values[i], layer.Weights.Shape.ToArray())) };
        }

        return MagnitudePruner.Result(graph, matrices, values, options);
    }

    private static double[] Factor(WeightMatrix layer, IReadOnlyDictionary<string, Tensor> activations, double dampening) =>
        SparseGptCriterion.InverseFactor(layer, SparseGptCriterion.Hessian(layer, activations), dampening);

    /// <summary>The layer's weights (stored order) with <paramref name="count"/> blocks, or N of every M, removed and the rest compensated.</summary>
    private static float[] PruneLayer(WeightMatrix layer, double[] factor, SparsityPattern pattern, int count, int blockSize)
    {
        int n = layer.Inputs;
        var w = layer.Weights.ToFloatArray();
        var rows = new double[layer.Outputs][];
        for (int o = 0; o < layer.Outputs; o++)
        {
            rows[o] = new double[n];
            for (int j = 0; j < n; j++)
            {
                rows[o][j] = w[layer.Index(o, j)];
            }
        }

        if (pattern.Kind == PatternKind.Block || blockSize == 0)
        {
            var scores = SparseGptCriterion.Scores(layer, w, factor);
            var mask = pattern.Kind == PatternKind.NOfM
                ? MagnitudePruner.NOfMMask(layer, scores, pattern.N, pattern.M)
                : MagnitudePruner.Mask(layer, scores, pattern, count);
            for (int o = 0; o < layer.Outputs; o++)
            {
                RemoveColumns(rows[o], 0, n, j => mask[layer.Index(o, j)], factor);
            }
        }
        else if (pattern.Kind == PatternKind.NOfM)
        {
            foreach (var row in rows)
            {
                PruneNOfM(row, factor, pattern.N, pattern.M);
            }
        }
        else
        {
            PruneUnstructured(rows, factor, count, blockSize);
        }

        var result = new float[w.Length];
        for (int o = 0; o < layer.Outputs; o++)
        {
            for (int j = 0; j < n; j++)
            {
                result[layer.Index(o, j)] = (float)rows[o][j];
            }
        }

        return result;
    }

    /// <summary>
    /// Every block of columns loses its proportional share of <paramref name="count"/> (cumulative rounding, so the
    /// shares add up exactly), the weights of lowest OBS error across all rows of the block as they stand now.
    /// </summary>
    private static void PruneUnstructured(double[][] rows, double[] factor, int count, int blockSize)
    {
        int n = rows[0].Length;
        long total = (long)n * rows.Length;
        for (int start = 0; start < n; start += blockSize)
        {
            int end = Math.Min(n, start + blockSize);
            int quota = (int)(count * (long)end * rows.Length / total - count * (long)start * rows.Length / total);
            var chosen = new HashSet<(int Row, int Column)>(
                Enumerable.Range(0, rows.Length).SelectMany(o => Enumerable.Range(start, end - start).Select(j => (Row: o, Column: j)))
                    .OrderBy(c => Math.Abs(rows[c.Row][c.Column]) / factor[c.Column * n + c.Column]).ThenBy(c => c.Column).ThenBy(c => c.Row)
                    .Take(quota));
            for (int o = 0; o < rows.Length; o++)
            {
                RemoveColumns(rows[o], start, end, j => chosen.Contains((o, j)), factor);
            }
        }
    }

    /// <summary>At the start of every group of M columns, the M − N of lowest OBS error as updated so far go (a shorter last group keeps at most N).</summary>
    private static void PruneNOfM(double[] row, double[] factor, int keep, int groupSize)
    {
        int n = row.Length;
        for (int start = 0; start < n; start += groupSize)
        {
            int end = Math.Min(n, start + groupSize);
            var removed = Enumerable.Range(start, end - start).OrderBy(j => Math.Abs(row[j]) / factor[j * n + j]).ThenByDescending(j => j)
                .Take(Math.Max(0, end - start - keep)).ToHashSet();
            RemoveColumns(row, start, end, removed.Contains, factor);
        }
    }

    /// <summary>Removes the chosen columns of [start, end) left to right, so that no update lands on a weight already removed.</summary>
    private static void RemoveColumns(double[] row, int start, int end, Func<int, bool> remove, double[] factor)
    {
        for (int j = start; j < end; j++)
        {
            if (remove(j))
            {
                SparseGptCriterion.RemoveAndCompensate(row, j, factor, row.Length);
            }
        }
    }
}
