using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using EdgePrune.Compression.Quantization;
using EdgePrune.Compression.Sensitivity;
using EdgePrune.Core.Devices;
using EdgePrune.Core.Ir;
using EdgePrune.Export.Epb;
using EdgePrune.Training;

namespace EdgePrune.Compression.Fitting;

/// <summary>The stages of a fit, in order, as progress reports name them.</summary>
public enum FitStage
{
    Feasibility,
    Baseline,
    Sensitivity,
    Search,
    Recovery,
    Final,
}

/// <summary>
/// Finds the compression of each weighted layer (magnitude sparsity, unstructured or N:M, and int8 or int4 weights)
/// that fits a device's flash and RAM budgets with the least loss (docs/fit.md):
/// <list type="number">
/// <item>feasibility: the arena (which weight compression cannot shrink) and the most compressed model are written
///   as .epb; if either exceeds a budget the fit stops at once, with a device that would hold it;</item>
/// <item>sensitivity of every layer to every option (<see cref="SensitivityAnalysis"/>) and the exact bytes each
///   option costs each layer (the .epb writer's own encodings);</item>
/// <item>greedy search from dense int8: each step takes the layer move with the least predicted score loss per byte
///   saved (or, once one move can reach the budget, the least lossy such move); every step's model is written and
///   scored in the integer executor, until one fits;</item>
/// <item>recovery of the chosen model by masked fine-tuning (labels) or distillation from the original (no labels),
///   re-calibration and re-quantization, and a final score on all evaluation samples.</item>
/// </list>
/// </summary>
public static class FitSearch
{
    public static FitResult Run(FitRequest request, Action<FitStage, string>? progress = null)
    {
        request.Floor.Validate();
        var started = Stopwatch.StartNew();
        var timings = new List<FitTiming>();
        DateTime? deadline = request.TimeBudget is { } t ? DateTime.UtcNow + t : null;
        var budget = request.Budget;
        var stage = Stopwatch.StartNew();
        void Done(FitStage s)
        {
            timings.Add(new FitTiming(s.ToString().ToLowerInvariant(), stage.Elapsed.TotalSeconds));
            stage.Restart();
        }

        var narrowing = Narrowing.None(request.Model);
        var unnarrowed = Feasibility.Check(request.Model, request);
        var feasible = unnarrowed;
        if (feasible.Failure is not null && feasible.InputBytes <= budget.RamBytes)
        {
            // Weight compression shrinks flash only; narrower layers shrink both, so try the least removal that fits.
            foreach (float fraction in request.StructuredFractions)
            {
                var narrower = Narrowing.Of(request.Model, fraction);
                if (!narrower.IsNarrowed)
                {
                    continue;
                }

                var check = Feasibility.Check(narrower.Model, request);
                progress?.Invoke(FitStage.Feasibility, $"{narrower.Describe()}: {check.Failure ?? "fits"}");
                if (check.Failure is null)
                {
                    (narrowing, feasible) = (narrower, check);
                    break;
                }
            }
        }

        var denseInt8 = unnarrowed.DenseInt8;
        if (feasible.Failure is { } failure)
        {
            Done(FitStage.Feasibility);
            string tried = request.StructuredFractions.Count == 0 || feasible.InputBytes > budget.RamBytes
                ? ""
                : string.Create(CultureInfo.InvariantCulture, $"; removing up to {request.StructuredFractions.Max() * 100:0.#}% of the channels/neurons does not make it fit either");
            return CannotFit(request, feasible.Smallest ?? denseInt8, feasible.Smallest is null ? "the int8 model" : "the most compressed model", timings, failure + tried);
        }

        var smallestRecipe = feasible.SmallestRecipe!;
        var smallest = feasible.Smallest!;
        progress?.Invoke(FitStage.Feasibility, $"{narrowing.Describe()}: int8 arena {feasible.DenseInt8.RamBytes:N0} of {budget.RamBytes:N0} RAM bytes; most compressed model {smallest.FlashBytes:N0} of {budget.FlashBytes:N0} flash bytes");
        Done(FitStage.Feasibility);
        var builder = new CandidateBuilder(narrowing.Model, request.Calibration, request.CalibrationOptions);
        var original = narrowing.IsNarrowed ? Quantizer.Prepare(request.Model) : builder.Prepared;
        var dense = CompressionRecipe.Uniform(builder.Weights, LayerOption.Dense8);
        var full = new ModelScorer(request.Eval, request.Labels, original);
        var search = full.Subset(request.SearchSamples);
        var beforeExport = EpbWriter.Write(original, new EpbWriteOptions { SourceModel = request.SourceBytes });
        var before = Footprint.Of(beforeExport);
        progress?.Invoke(FitStage.Baseline, $"original model: {full.Original:P2} {Word(full.Metric)} on {full.Count} samples; {before.FlashBytes:N0} bytes as fp32 .epb");
        Done(FitStage.Baseline);

        var candidates = new List<FitCandidate>();
        FitCandidate Measure(CompressionRecipe recipe, string stageName)
        {
            var model = builder.Build(recipe);
            var export = CandidateBuilder.Write(model, request.SourceBytes);
            var footprint = Footprint.Of(export);
            string description = narrowing.IsNarrowed
                ? string.Create(CultureInfo.InvariantCulture, $"{narrowing.Fraction * 100:0.#}% channels/neurons removed; {recipe.Describe(builder.Labels)}")
                : recipe.Describe(builder.Labels);
            var candidate = new FitCandidate(candidates.Count, stageName, recipe, description, footprint.FlashBytes, footprint.RamBytes, search.Score(model), budget.Fits(footprint));
            candidates.Add(candidate);
            progress?.Invoke(FitStage.Search, $"candidate {candidate.Index}: {candidate.FlashBytes:N0} bytes, {candidate.Score:P2}: {candidate.Description}");
            return candidate;
        }

        var current = dense;
        var chosen = Measure(current, "greedy");
        SensitivityReport? sensitivity = null;
        var grid = request.Sensitivity.Grid;
        Dictionary<(string, LayerOption), long> sizes = [];
        if (!chosen.Fits || request.AlwaysSweep)
        {
            sensitivity = SensitivityAnalysis.Run(builder, search, request.Sensitivity, m => progress?.Invoke(FitStage.Sensitivity, m), deadline);
            sizes = LayerSizes(builder, grid);
        }
        else
        {
            progress?.Invoke(FitStage.Sensitivity, "skipped: the dense int8 model fits already");
        }

        Done(FitStage.Sensitivity);
        while (!chosen.Fits)
        {
            // The writer's fixed sections (graph, parameters, biases, alignment) are what the real file holds beyond the layers' weights.
            long fixedBytes = chosen.FlashBytes - WeightBytes(current, builder, sizes);
            var path = deadline is { } d && DateTime.UtcNow > d || !sensitivity!.Complete
                ? []
                : PlanPath(current, builder, sizes, sensitivity, grid, budget.FlashBytes - fixedBytes);
            if (path.Count == 0)
            {
                progress?.Invoke(FitStage.Search, sensitivity!.Complete ? "no cheaper move left: taking the most compressed model" : "time budget spent: taking the most compressed model");
                chosen = Measure(smallestRecipe, "most compressed");
                break;
            }

            foreach (var step in path)
            {
                current = step;
                chosen = Measure(current, "greedy");
                if (chosen.Fits || deadline is { } late && DateTime.UtcNow > late)
                {
                    break;
                }
            }
        }

        Done(FitStage.Search);
        var recipe = chosen.Recipe;
        var unrecovered = builder.Quantize(builder.Prune(recipe), recipe);
        var unrecoveredPredictions = full.Predict(unrecovered);
        double scoreBefore = full.Fraction(unrecoveredPredictions);
        Graph finalGraph = builder.Prune(recipe);
        var final = unrecovered;
        var finalPredictions = unrecoveredPredictions;
        string recovery = "none";
        if (request.Train is { } train && (recipe.IsPruned || narrowing.IsNarrowed))
        {
            var (tuned, how) = Recover(original, finalGraph, train, request, deadline, m => progress?.Invoke(FitStage.Recovery, m));
            var requantized = builder.Quantize(tuned, recipe, builder.Calibrate(tuned));
            var export = CandidateBuilder.Write(requantized, request.SourceBytes);
            var predictions = full.Predict(requantized);
            double score = full.Fraction(predictions);
            progress?.Invoke(FitStage.Recovery, $"{how}: {scoreBefore:P2} → {score:P2}");
            if (budget.Fits(Footprint.Of(export)) && score >= scoreBefore)
            {
                (finalGraph, final, finalPredictions, recovery) = (tuned, requantized, predictions, how);
            }
            else
            {
                recovery = $"{how}, not kept ({score:P2} after, {scoreBefore:P2} before)";
            }
        }

        Done(FitStage.Recovery);
        var epb = CandidateBuilder.Write(final, request.SourceBytes);
        double finalScore = full.Fraction(finalPredictions);
        double threshold = request.Floor.Threshold(full.Original);
        var layers = Layers(builder, recipe, final, epb, sensitivity);
        bool meetsFloor = finalScore >= threshold - 1e-12;
        string word = Word(full.Metric);
        var footprint = Footprint.Of(epb);

        // The feasibility check estimates the arena before calibration, so the written model is held to the budget again.
        bool fitsBudget = budget.Fits(footprint);
        string reason = !fitsBudget
            ? string.Create(CultureInfo.InvariantCulture, $"the most compressed model the search reached does not fit {request.Device.Name}: {footprint.FlashBytes:N0} of {budget.FlashBytes:N0} flash bytes, {footprint.RamBytes:N0} of {budget.RamBytes:N0} RAM bytes")
            : meetsFloor
            ? string.Create(CultureInfo.InvariantCulture, $"fits {request.Device.Name}{(narrowing.IsNarrowed ? $" with {narrowing.Describe()}" : "")}: {footprint.FlashBytes:N0} of {budget.FlashBytes:N0} flash bytes, {footprint.RamBytes:N0} of {budget.RamBytes:N0} RAM bytes; {word} {finalScore:P2} vs {full.Original:P2} original ({100 * (finalScore - full.Original):+0.00;-0.00;0.00} pt)")
            : string.Create(CultureInfo.InvariantCulture, $"the best model that fits {request.Device.Name} ({footprint.FlashBytes:N0} flash bytes) has {word} {finalScore:P2}, below the floor ({request.Floor}: {threshold:P2})");
        var suggestions = !fitsBudget ? BiggerDevices(request.Device, footprint, "that model").ToList() : meetsFloor ? [] : new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"--max-drop {Math.Ceiling(10000 * (full.Original - finalScore)) / 100:0.00} would accept this model"),
        }.Concat(BiggerDevices(request.Device, denseInt8, "the int8 model without pruning")).ToList();
        Done(FitStage.Final);
        progress?.Invoke(FitStage.Final, reason);
        return new FitResult
        {
            Status = !fitsBudget ? FitStatus.CannotFit : meetsFloor ? FitStatus.Fitted : FitStatus.BelowFloor,
            Reason = reason,
            Request = request,
            Smallest = smallest,
            Suggestions = suggestions,
            Metric = full.Metric,
            OriginalScore = full.Original,
            Before = before,
            Sensitivity = sensitivity,
            Candidates = candidates,
            Narrowing = narrowing,
            ChosenIndex = chosen.Index,
            Recovery = recovery,
            ScoreBeforeRecovery = scoreBefore,
            FinalScore = finalScore,
            Predictions = finalPredictions,
            Confusion = full.Confusion(finalPredictions),
            FinalGraph = finalGraph,
            Final = final,
            Epb = epb,
            After = footprint,
            Layers = layers,
            Timings = timings,
        };
    }

    /// <summary>
    /// Measures a model as it is, without searching: every layer quantized to <paramref name="bits"/> (its zeros kept),
    /// written as .epb, scored in the integer executor on all evaluation samples, with the sensitivity sweep when
    /// <paramref name="withSensitivity"/>. The status says whether it fits; the floor is not applied.
    /// </summary>
    public static FitResult Assess(FitRequest request, int bits = 8, bool withSensitivity = false, Action<FitStage, string>? progress = null)
    {
        var timings = new List<FitTiming>();
        var stage = Stopwatch.StartNew();
        var budget = request.Budget;
        var builder = new CandidateBuilder(request.Model, request.Calibration, request.CalibrationOptions);
        var full = new ModelScorer(request.Eval, request.Labels, builder.Prepared);
        var beforeExport = EpbWriter.Write(builder.Prepared, new EpbWriteOptions { SourceModel = request.SourceBytes });
        var before = Footprint.Of(beforeExport);
        timings.Add(new FitTiming("baseline", stage.Elapsed.TotalSeconds));
        stage.Restart();
        var sensitivity = withSensitivity
            ? SensitivityAnalysis.Run(builder, full.Subset(request.SearchSamples), request.Sensitivity, m => progress?.Invoke(FitStage.Sensitivity, m))
            : null;
        timings.Add(new FitTiming("sensitivity", stage.Elapsed.TotalSeconds));
        stage.Restart();
        // The weights keep whatever zeros they have; each layer's option records the sparsity found, not one applied.
        var recipe = new CompressionRecipe(builder.Layers.ToImmutableDictionary(
            l => l.Weight,
            l => new LayerOption(Pruning.SparsityPattern.Unstructured, (float)(builder.Prepared.Initializers[l.Weight].ToFloatArray().Count(v => v == 0f) / (double)l.Parameters), bits),
            StringComparer.Ordinal));
        var model = builder.Quantize(builder.Prepared, recipe);
        var epb = CandidateBuilder.Write(model, request.SourceBytes);
        var predictions = full.Predict(model);
        double score = full.Fraction(predictions);
        var footprint = Footprint.Of(epb);
        bool fits = budget.Fits(footprint);
        var candidate = new FitCandidate(0, "as given", recipe, recipe.Describe(builder.Labels), footprint.FlashBytes, footprint.RamBytes, score, fits);
        timings.Add(new FitTiming("final", stage.Elapsed.TotalSeconds));
        string reason = string.Create(CultureInfo.InvariantCulture,
            $"{(fits ? "fits" : "does not fit")} {request.Device.Name}: {footprint.FlashBytes:N0} of {budget.FlashBytes:N0} flash bytes, {footprint.RamBytes:N0} of {budget.RamBytes:N0} RAM bytes; {Word(full.Metric)} {score:P2} vs {full.Original:P2} fp32");
        return new FitResult
        {
            Status = fits ? FitStatus.Fitted : FitStatus.CannotFit,
            Reason = reason,
            Request = request,
            Smallest = footprint,
            Metric = full.Metric,
            OriginalScore = full.Original,
            Before = before,
            Sensitivity = sensitivity,
            Candidates = [candidate],
            ChosenIndex = 0,
            ScoreBeforeRecovery = score,
            FinalScore = score,
            Predictions = predictions,
            Confusion = full.Confusion(predictions),
            FinalGraph = builder.Prepared,
            Final = model,
            Epb = epb,
            After = footprint,
            Layers = Layers(builder, recipe, model, epb, sensitivity),
            Timings = timings,
        };
    }

    public static string Word(ScoreMetric metric) => metric == ScoreMetric.Accuracy ? "accuracy" : "agreement";

    /// <summary>
    /// Whether a model can fit at all, decided from sizes alone (placeholder activation ranges: lengths are exact): its
    /// dense int8 arena against the RAM budget, then its most compressed model against the flash budget.
    /// </summary>
    /// <param name="InputBytes">The int8 input tensor, which no compression shrinks: a lower bound on any arena.</param>
    /// <param name="Failure">Null when it can fit; otherwise why not, in one line.</param>
    private sealed record Feasibility(Footprint DenseInt8, long InputBytes, CompressionRecipe? SmallestRecipe, Footprint? Smallest, string? Failure)
    {
        public static Feasibility Check(Graph model, FitRequest request)
        {
            var budget = request.Budget;
            var sizing = CandidateBuilder.ForSizesOnly(model);
            var denseExport = CandidateBuilder.Write(sizing.Build(CompressionRecipe.Uniform(sizing.Weights, LayerOption.Dense8)), request.SourceBytes, allowSparse: false);
            var denseInt8 = Footprint.Of(denseExport);
            long input = CalibrationData.SingleInput(sizing.Prepared).Type.Shape!.Aggregate(1L, (n, d) => n * (d.Value ?? 1));
            if (denseInt8.RamBytes > budget.RamBytes)
            {
                return new Feasibility(denseInt8, input, null, null, string.Create(CultureInfo.InvariantCulture,
                    $"RAM: the int8 activation arena takes {denseInt8.RamBytes:N0} bytes and the RAM budget of {request.Device.Name} is {budget.RamBytes:N0}; pruning and quantizing weights cannot shrink activations ({(input > budget.RamBytes ? $"the int8 input alone takes {input:N0} bytes" : "narrower layers could")})"));
            }

            var smallestRecipe = MostCompressed(sizing, request.Sensitivity);
            var smallest = Footprint.Of(CandidateBuilder.Write(sizing.Build(smallestRecipe), request.SourceBytes));
            return new Feasibility(denseInt8, input, smallestRecipe, smallest, smallest.FlashBytes <= budget.FlashBytes ? null : string.Create(CultureInfo.InvariantCulture,
                $"flash: the most compressed model ({smallestRecipe.Describe(sizing.Labels)}) takes {smallest.FlashBytes:N0} bytes and the flash budget of {request.Device.Name} is {budget.FlashBytes:N0}"));
        }
    }

    /// <summary>Per layer, the option of the grid whose weights the writer stores in the fewest bytes.</summary>
    private static CompressionRecipe MostCompressed(CandidateBuilder builder, SensitivityOptions options)
    {
        float top = options.Sparsities.DefaultIfEmpty(0f).Max();
        LayerOption[] extremes = [new(Pruning.SparsityPattern.Unstructured, top, 8), new(Pruning.SparsityPattern.Unstructured, top, 4), new(Pruning.SparsityPattern.Unstructured, 0f, 4)];
        var sizes = LayerSizes(builder, extremes);
        return new CompressionRecipe(builder.Layers.ToDictionary(l => l.Weight, l => extremes.MinBy(o => sizes[(l.Weight, o)])!, StringComparer.Ordinal).ToImmutableDictionary(StringComparer.Ordinal));
    }

    /// <summary>Bytes the .epb writer takes for each layer's weights under each option (one uniform model written per option).</summary>
    private static Dictionary<(string Weight, LayerOption Option), long> LayerSizes(CandidateBuilder builder, IEnumerable<LayerOption> options)
    {
        var sizes = new Dictionary<(string, LayerOption), long>();
        foreach (var option in options)
        {
            var export = CandidateBuilder.Write(builder.Build(CompressionRecipe.Uniform(builder.Weights, option)));
            foreach (var layer in builder.Layers)
            {
                sizes[(layer.Weight, option)] = WeightBytes(export, layer).Bytes;
            }
        }

        return sizes;
    }

    private static WeightSize WeightBytes(EpbExport export, PrunableLayer layer) =>
        export.Report.Weights.FirstOrDefault(w => w.Layer == layer.Node && w.DataType == "int8")
        ?? throw new InvalidOperationException($"the .epb writer reported no int8 weights for {layer.Node}");

    private static long WeightBytes(CompressionRecipe recipe, CandidateBuilder builder, Dictionary<(string, LayerOption), long> sizes) =>
        builder.Layers.Sum(l => sizes[(l.Weight, recipe[l.Weight])]);

    private static double PredictedLoss(CompressionRecipe recipe, CandidateBuilder builder, SensitivityReport sensitivity) =>
        builder.Layers.Sum(l => sensitivity.LossOf(l.Weight, recipe[l.Weight]));

    /// <summary>
    /// The recipes to try next, predicted from the sensitivity table (losses add up over layers) and the size table
    /// (bytes add up over layers). Greedy by ratio: each step changes one layer to the option with the least predicted
    /// loss per byte saved (a tiny constant makes free moves prefer the larger saving) until the weights fit
    /// <paramref name="weightLimit"/>. Any prefix of that path may instead end with one larger move that fits at once;
    /// the path with the least predicted loss wins, so a big single cut is taken only when it beats many small ones.
    /// </summary>
    private static List<CompressionRecipe> PlanPath(CompressionRecipe start, CandidateBuilder builder, Dictionary<(string, LayerOption), long> sizes,
        SensitivityReport sensitivity, IReadOnlyList<LayerOption> grid, long weightLimit)
    {
        const double FreeMoveLoss = 1e-6;
        var states = new List<CompressionRecipe> { start };
        while (WeightBytes(states[^1], builder, sizes) > weightLimit)
        {
            var move = Moves(states[^1], builder, sizes, grid)
                .Select(m => (m.Recipe, Ratio: (Math.Max(PredictedLoss(m.Recipe, builder, sensitivity) - PredictedLoss(states[^1], builder, sensitivity), 0) + FreeMoveLoss) / m.Saved))
                .OrderBy(m => m.Ratio).FirstOrDefault();
            if (move.Recipe is null)
            {
                break;
            }

            states.Add(move.Recipe);
        }

        bool endFits = WeightBytes(states[^1], builder, sizes) <= weightLimit;
        double bestLoss = endFits ? PredictedLoss(states[^1], builder, sensitivity) : double.PositiveInfinity;
        var best = states.Skip(1).ToList();
        for (int i = 0; i < states.Count; i++)
        {
            long excess = WeightBytes(states[i], builder, sizes) - weightLimit;
            var finish = Moves(states[i], builder, sizes, grid).Where(m => m.Saved >= excess)
                .Select(m => (m.Recipe, Loss: PredictedLoss(m.Recipe, builder, sensitivity)))
                .OrderBy(m => m.Loss).FirstOrDefault();
            if (finish.Recipe is not null && finish.Loss < bestLoss - 1e-12)
            {
                bestLoss = finish.Loss;
                best = [.. states.Skip(1).Take(i), finish.Recipe];
            }
        }

        return best;
    }

    /// <summary>Every recipe that changes one layer of <paramref name="from"/> to an option storing it in fewer bytes, with the bytes saved.</summary>
    private static IEnumerable<(CompressionRecipe Recipe, long Saved)> Moves(CompressionRecipe from, CandidateBuilder builder, Dictionary<(string, LayerOption), long> sizes, IReadOnlyList<LayerOption> grid)
    {
        foreach (var layer in builder.Layers)
        {
            long bytes = sizes[(layer.Weight, from[layer.Weight])];
            foreach (var option in grid)
            {
                long saved = bytes - sizes[(layer.Weight, option)];
                if (saved > 0)
                {
                    yield return (from.With(layer.Weight, option), saved);
                }
            }
        }
    }

    /// <summary>Masked fine-tuning with labels, or distillation from the original (temperature-softened KL, alpha 0) without.</summary>
    private static (Graph Graph, string How) Recover(Graph original, Graph pruned, Training.Data.Dataset train, FitRequest request, DateTime? deadline, Action<string> progress)
    {
        bool labelled = train.Labels is not null;
        var options = labelled ? request.Recovery : request.Recovery with { Alpha = 0f };
        using var cancel = deadline is { } d ? new CancellationTokenSource(Max(d - DateTime.UtcNow, TimeSpan.FromSeconds(1))) : new CancellationTokenSource();
        var trainer = new Trainer(pruned, options, labelled ? null : original);
        trainer.KeepZerosAsMasks();
        var result = trainer.Fit(train, validation: null, onEpoch: r => progress($"epoch {r.Epoch}/{r.Epochs}: loss {r.Loss:F4}"), cancel: cancel.Token);
        string how = string.Create(CultureInfo.InvariantCulture,
            $"{(labelled ? "fine-tuned" : "distilled from the original")} {result.Epochs.Count} epoch{(result.Epochs.Count == 1 ? "" : "s")} on {train.Count:N0} samples{(result.Cancelled ? " (stopped by the time budget)" : "")}");
        return (result.Graph, how);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static List<FitLayer> Layers(CandidateBuilder builder, CompressionRecipe recipe, QuantizedModel model, EpbExport epb, SensitivityReport? sensitivity)
    {
        var weights = model.Steps.Where(s => s.Weights is not null).ToDictionary(s => s.Weights!.Name, s => s.Weights!, StringComparer.Ordinal);
        return builder.Layers.Select(layer =>
        {
            var written = WeightBytes(epb, layer);
            long nonzeros = weights.TryGetValue(layer.Weight, out var w) ? w.Values.LongCount(v => v != 0) : written.Nonzeros;
            return new FitLayer(layer, recipe[layer.Weight], nonzeros, written.Encoding, written.Bytes, sensitivity?.HeadlineLoss(layer.Weight));
        }).ToList();
    }

    private static FitResult CannotFit(FitRequest request, Footprint smallest, string what, List<FitTiming> timings, string reason) => new()
    {
        Status = FitStatus.CannotFit,
        Reason = reason,
        Request = request,
        Smallest = smallest,
        Suggestions = BiggerDevices(request.Device, smallest, what).ToList(),
        Timings = timings,
    };

    /// <summary>The smallest device of <c>devices/</c> (by RAM budget, then flash budget) whose budgets hold <paramref name="need"/>.</summary>
    private static IEnumerable<string> BiggerDevices(DeviceProfile device, Footprint need, string what)
    {
        var fits = DeviceProfiles.All()
            .Where(p => p.Name != device.Name && p.ModelFlashBudgetBytes >= need.FlashBytes && p.ModelRamBudgetBytes >= need.RamBytes)
            .OrderBy(p => p.ModelRamBudgetBytes).ThenBy(p => p.ModelFlashBudgetBytes)
            .FirstOrDefault();
        if (fits is not null)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{fits.Name} ({fits.DisplayName}) holds {what}: {need.FlashBytes:N0} of {fits.ModelFlashBudgetBytes:N0} flash bytes, {need.RamBytes:N0} of {fits.ModelRamBudgetBytes:N0} RAM bytes");
        }
        else
        {
            yield return $"no device in devices/ has budgets for {what} ({need.FlashBytes:N0} flash bytes, {need.RamBytes:N0} RAM bytes)";
        }
    }
}
