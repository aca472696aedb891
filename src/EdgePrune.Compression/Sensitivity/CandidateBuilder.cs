using EdgePrune.Compression.Pruning;
using EdgePrune.Compression.Quantization;
using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Export.Epb;

namespace EdgePrune.Compression.Sensitivity;

/// <summary>A weighted layer as the analysis and the search see it: its node, weight initializer, size and work.</summary>
public sealed record PrunableLayer(string Node, string OpType, string Weight, long Parameters, long Macs);

/// <summary>
/// Turns a <see cref="CompressionRecipe"/> into the model a device would run: the weights of the prepared graph
/// (<see cref="Quantizer.Prepare"/>: BatchNorm folded, shapes inferred) pruned by magnitude per layer, quantized per
/// layer to the recipe's bits with activation ranges calibrated once on the dense model, and written as <c>.epb</c>.
/// Pruned weight tensors are cached per (layer, option), so a search that revisits an option pays for it once.
/// </summary>
public sealed class CandidateBuilder
{
    private readonly Dictionary<(string Weight, SparsityPattern Pattern, float Sparsity), Tensor> _pruned = [];
    private readonly IReadOnlyList<QuantizedStep> _plan;
    private readonly Dictionary<string, string> _weightOfNode;
    private readonly Tensor _calibrationSamples;
    private readonly CalibrationOptions _calibrationOptions;

    /// <param name="source">The fp32 model.</param>
    /// <param name="calibrationSamples">[N, input dims…] float samples (see <see cref="CalibrationData.ForInput"/>).</param>
    public CandidateBuilder(Graph source, Tensor calibrationSamples, CalibrationOptions calibrationOptions)
        : this(Quantizer.Prepare(source), calibrationSamples, calibrationOptions, calibration: null)
    {
    }

    private CandidateBuilder(Graph prepared, Tensor calibrationSamples, CalibrationOptions calibrationOptions, CalibrationResult? calibration)
    {
        Prepared = prepared;
        _calibrationSamples = calibrationSamples;
        _calibrationOptions = calibrationOptions;
        _plan = StepPlanner.Plan(prepared);
        var matrices = WeightMatrix.Find(prepared);
        if (matrices.Count == 0)
        {
            throw new EdgePruneException($"graph '{prepared.Name}' has nothing to compress: no Gemm, MatMul or Conv reads a float weight initializer");
        }

        Layers = [.. matrices.Select(m => new PrunableLayer(m.Node.Name, m.Node.OpType, m.Name, m.Weights.ElementCount, LayerMacs(prepared, m)))];
        _weightOfNode = matrices.ToDictionary(m => m.Node.Name, m => m.Name, StringComparer.Ordinal);
        Calibration = calibration ?? Calibrate(prepared);
    }

    /// <summary>
    /// A builder whose activation ranges are placeholders (every tensor [−1, 1]) instead of calibrated ones: the sizes
    /// of what it writes are exact (parameter values change no length) but its models compute nothing meaningful.
    /// It answers "how small can this get" without running the model, which for a large network takes minutes.
    /// </summary>
    public static CandidateBuilder ForSizesOnly(Graph source)
    {
        var prepared = Quantizer.Prepare(source);
        var plan = StepPlanner.Plan(prepared);
        var names = new List<string> { CalibrationData.SingleInput(prepared).Name };
        names.AddRange(plan.Where(s => s.CalibratesOutput).Select(s => s.Output));
        var ranges = names.Distinct(StringComparer.Ordinal).ToDictionary(n => n, n => new TensorRange(n, -1f, 1f, -1f, 1f, 0), StringComparer.Ordinal);
        var placeholder = new CalibrationResult(ranges, CalibrationMethod.MinMax, 0, 0);
        return new CandidateBuilder(prepared, Tensor.FromArray(new float[1], 1), new CalibrationOptions(), placeholder);
    }

    /// <summary>The graph candidates are derived from (and that fine-tuning trains).</summary>
    public Graph Prepared { get; }

    /// <summary>The prunable layers in graph order.</summary>
    public IReadOnlyList<PrunableLayer> Layers { get; }

    /// <summary>Activation ranges of the dense model on the calibration samples.</summary>
    public CalibrationResult Calibration { get; }

    public IEnumerable<string> Weights => Layers.Select(l => l.Weight);

    public IEnumerable<(string Weight, string Label)> Labels => Layers.Select(l => (l.Weight, l.Node));

    /// <summary>The prepared graph with each layer's weights pruned as the recipe says.</summary>
    public Graph Prune(CompressionRecipe recipe) => Prune(Prepared, recipe);

    /// <summary><paramref name="graph"/> (the prepared graph or a fine-tuned copy of it) with each layer's weights pruned as the recipe says.</summary>
    public Graph Prune(Graph graph, CompressionRecipe recipe)
    {
        var initializers = graph.Initializers;
        bool fromPrepared = ReferenceEquals(graph, Prepared);
        foreach (var layer in Layers)
        {
            var option = recipe[layer.Weight];
            if (!option.IsPruned)
            {
                continue;
            }

            var key = (layer.Weight, option.Pattern, option.Sparsity);
            if (fromPrepared && _pruned.TryGetValue(key, out var cached))
            {
                initializers = initializers.SetItem(layer.Weight, cached);
                continue;
            }

            // The pruner prunes every layer alike; one layer's result is taken, the others' are cached for later recipes.
            var all = MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = option.Sparsity, Pattern = option.Pattern }).Graph;
            foreach (var other in Layers)
            {
                if (fromPrepared)
                {
                    _pruned[(other.Weight, option.Pattern, option.Sparsity)] = all.Initializers[other.Weight];
                }
            }

            initializers = initializers.SetItem(layer.Weight, all.Initializers[layer.Weight]);
        }

        return graph with { Initializers = initializers };
    }

    /// <summary>Quantizes a pruned copy of the prepared graph with the recipe's bits per layer and the dense calibration.</summary>
    public QuantizedModel Quantize(Graph pruned, CompressionRecipe recipe) => Quantize(pruned, recipe, Calibration);

    public QuantizedModel Quantize(Graph pruned, CompressionRecipe recipe, CalibrationResult calibration) =>
        Quantizer.Build(pruned, _plan, calibration, node => _weightOfNode.TryGetValue(node, out var w) ? recipe[w].Bits : 8);

    /// <summary>Pruned and quantized with the dense calibration: what the search scores.</summary>
    public QuantizedModel Build(CompressionRecipe recipe) => Quantize(Prune(recipe), recipe);

    /// <summary>Activation ranges of <paramref name="graph"/> (a copy of the prepared graph, e.g. fine-tuned) on the calibration samples.</summary>
    public CalibrationResult Calibrate(Graph graph)
    {
        var names = new List<string> { CalibrationData.SingleInput(graph).Name };
        names.AddRange(_plan.Where(s => s.CalibratesOutput).Select(s => s.Output));
        return Calibrator.Calibrate(graph, _calibrationSamples, names, _calibrationOptions);
    }

    /// <summary>The <c>.epb</c> the device would load; its report gives the exact file size and arena.</summary>
    public static EpbExport Write(QuantizedModel model, byte[]? sourceModel = null, bool allowSparse = true) =>
        EpbWriter.Write(model.Graph, new EpbWriteOptions { SourceModel = sourceModel, Quantization = EpbQuantizationBuilder.From(model, allowInt4: true), AllowSparse = allowSparse });

    private static long LayerMacs(Graph graph, WeightMatrix m)
    {
        if (m.Node.OpType != "Conv")
        {
            return (long)m.Outputs * m.Inputs;
        }

        var output = graph.TypeOf(m.Node.Outputs[0])?.Shape;
        long positions = output is { Count: 4 } s && s[2].IsKnown && s[3].IsKnown ? s[2].Value!.Value * s[3].Value!.Value : 1;
        return positions * m.Weights.ElementCount;
    }
}
