using System.Globalization;
using EdgePrune.Compression.Fitting;
using EdgePrune.Core;
using EdgePrune.Core.Devices;
using EdgePrune.Core.Trees;
using EdgePrune.Training.Trees;

namespace EdgePrune.Compression.Trees;

/// <summary>Everything <see cref="TreeFitSearch.Run"/> needs.</summary>
public sealed record TreeFitRequest
{
    /// <summary>A tree or forest classifier.</summary>
    public required TreeEnsemble Model { get; init; }

    public required DeviceProfile Device { get; init; }

    /// <summary>Bytes the C node tables may take (the device's model flash budget unless overridden).</summary>
    public required long FlashBudgetBytes { get; init; }

    /// <summary>Labelled samples: they order the trees to drop and decide the accuracy floor.</summary>
    public required TreeDataset Eval { get; init; }

    /// <summary>Samples whose class counts per node define the cost-complexity path (the training set); null: <see cref="Eval"/>.</summary>
    public TreeDataset? Statistics { get; init; }

    public FitFloor Floor { get; init; } = new();

    /// <summary>Prefix of the generated C identifiers and files.</summary>
    public string Name { get; init; } = "model";
}

/// <summary>One model the search sized: how it was made, its size as C node tables, and its accuracy on the evaluation set.</summary>
public sealed record TreeFitCandidate(int Position, string Description, int Trees, int Nodes, double? Alpha, long TableBytes, double Accuracy, bool Fits);

/// <summary>What <see cref="TreeFitSearch.Run"/> found; <see cref="Fitted"/> and <see cref="Source"/> are set when <see cref="Status"/> is <see cref="FitStatus.Fitted"/>.</summary>
public sealed record TreeFitResult
{
    public required FitStatus Status { get; init; }

    /// <summary>One line saying what happened and, when it failed, why.</summary>
    public required string Reason { get; init; }

    public required TreeFitRequest Request { get; init; }

    public required double OriginalAccuracy { get; init; }

    public required long OriginalBytes { get; init; }

    /// <summary>The accuracy a fitted model needs.</summary>
    public required double Threshold { get; init; }

    /// <summary>Every model the search sized, least pruned first.</summary>
    public required IReadOnlyList<TreeFitCandidate> Candidates { get; init; }

    public TreeFitCandidate? Chosen { get; init; }

    public TreeEnsemble? Fitted { get; init; }

    public CTreeSource? Source { get; init; }

    /// <summary>What would fit instead: a bigger device, or a looser floor.</summary>
    public IReadOnlyList<string> Suggestions { get; init; } = [];
}

/// <summary>
/// Fits a tree model to a device's flash: the least-pruned model, along one sequence that only ever shrinks, whose C node
/// tables (<see cref="TreeCExporter"/>, node-array layout, float features) fit the flash budget and whose accuracy on the
/// evaluation set meets the floor. A forest first loses whole trees in <see cref="TreeDropper.EliminationOrder"/>; its
/// last tree (or a single-tree model) then walks its minimal cost-complexity path (<see cref="CostComplexityPruner.Path"/>)
/// to the root. Table bytes never grow along the sequence, so the first model that fits is found by bisection; from
/// there on the first that meets the floor is taken. docs/fit.md, "Tree models".
/// </summary>
public static class TreeFitSearch
{
    public static TreeFitResult Run(TreeFitRequest request)
    {
        var model = request.Model;
        var eval = request.Eval;
        if (model.Kind != TreeEnsembleKind.Classifier)
        {
            throw new EdgePruneException("fitting a tree model is implemented for classifiers; this model is a regressor");
        }

        if (eval.Classes is null)
        {
            throw new EdgePruneException("fitting a tree model needs class labels for the evaluation samples (--labels)");
        }

        foreach (var data in new[] { eval, request.Statistics })
        {
            if (data is not null && data.FeatureCount != model.FeatureCount)
            {
                throw new EdgePruneException($"the samples have {data.FeatureCount} features but the model reads {model.FeatureCount}");
            }
        }

        if (request.FlashBudgetBytes <= 0)
        {
            throw new EdgePruneException("the flash budget must be above 0 bytes");
        }

        var sequence = new ShrinkingSequence(model, eval, request.Statistics ?? eval);
        var sized = new Dictionary<int, TreeFitCandidate>();
        TreeFitCandidate Size(int position)
        {
            if (!sized.TryGetValue(position, out var c))
            {
                var (ensemble, description, alpha) = sequence.At(position);
                long bytes = Generate(ensemble, request.Name).TableBytes;
                c = new TreeFitCandidate(position, description, ensemble.Trees.Length, ensemble.NodeCount, alpha, bytes, sequence.Accuracy(position), bytes <= request.FlashBudgetBytes);
                sized[position] = c;
            }

            return c;
        }

        var original = Size(0);
        double threshold = request.Floor.Threshold(original.Accuracy);

        // Bisection for the first position that fits: sizes are non-increasing along the sequence.
        int low = 0, high = sequence.Count - 1, firstFit = -1;
        if (!Size(high).Fits)
        {
            return Failed(FitStatus.CannotFit, string.Create(CultureInfo.InvariantCulture,
                $"even the smallest model ({Size(high).Description}) takes {Size(high).TableBytes:N0} bytes of tables, over the {request.FlashBudgetBytes:N0}-byte flash budget of {request.Device.Name}"));
        }

        while (low < high)
        {
            int middle = (low + high) / 2;
            if (Size(middle).Fits)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        firstFit = low;
        for (int position = firstFit; position < sequence.Count; position++)
        {
            if (sequence.Accuracy(position) >= threshold)
            {
                var chosen = Size(position);
                var fitted = sequence.At(position).Ensemble;
                return new TreeFitResult
                {
                    Status = FitStatus.Fitted,
                    Reason = string.Create(CultureInfo.InvariantCulture, $"fits {request.Device.Name}: {chosen.Description}, {chosen.TableBytes:N0} of {request.FlashBudgetBytes:N0} flash bytes, accuracy {chosen.Accuracy:P2} (original {original.Accuracy:P2}, floor {threshold:P2})"),
                    Request = request,
                    OriginalAccuracy = original.Accuracy,
                    OriginalBytes = original.TableBytes,
                    Threshold = threshold,
                    Candidates = Candidates(),
                    Chosen = chosen,
                    Fitted = fitted,
                    Source = Generate(fitted, request.Name),
                };
            }
        }

        var bestFitting = Enumerable.Range(firstFit, sequence.Count - firstFit).MaxBy(sequence.Accuracy);
        var largest = Size(firstFit);
        var best = Size(bestFitting);
        return Failed(FitStatus.BelowFloor, string.Create(CultureInfo.InvariantCulture,
            $"every model that fits the {request.Device.Name} flash budget ({request.FlashBudgetBytes:N0} bytes) is below the floor of {threshold:P2}: the largest ({largest.Description}, {largest.TableBytes:N0} bytes) scores {largest.Accuracy:P2}, the best ({best.Description}) {best.Accuracy:P2}; the original scores {original.Accuracy:P2} in {original.TableBytes:N0} bytes"));

        IReadOnlyList<TreeFitCandidate> Candidates() => [.. sized.Values.OrderBy(c => c.Position)];

        TreeFitResult Failed(FitStatus status, string reason) => new()
        {
            Status = status,
            Reason = reason,
            Request = request,
            OriginalAccuracy = original.Accuracy,
            OriginalBytes = original.TableBytes,
            Threshold = threshold,
            Candidates = Candidates(),
            Suggestions = Suggestions(request, sequence, original, threshold, firstFit, Size),
        };
    }

    private static CTreeSource Generate(TreeEnsemble ensemble, string name) => TreeCExporter.Generate(ensemble, new CTreeOptions { Name = name });

    /// <summary>A device that holds the least-pruned model meeting the floor, and the floor that would accept the most accurate model that fits.</summary>
    private static List<string> Suggestions(TreeFitRequest request, ShrinkingSequence sequence, TreeFitCandidate original, double threshold, int firstFit, Func<int, TreeFitCandidate> size)
    {
        var suggestions = new List<string>();
        int meeting = Enumerable.Range(0, sequence.Count).FirstOrDefault(p => sequence.Accuracy(p) >= threshold, 0);
        var need = size(meeting);
        var device = DeviceProfiles.All()
            .Where(p => p.Name != request.Device.Name && p.ModelFlashBudgetBytes >= need.TableBytes)
            .OrderBy(p => p.ModelFlashBudgetBytes)
            .FirstOrDefault();
        suggestions.Add(device is null
            ? string.Create(CultureInfo.InvariantCulture, $"no device in devices/ has {need.TableBytes:N0} flash bytes for {need.Description}")
            : string.Create(CultureInfo.InvariantCulture, $"{device.Name} ({device.DisplayName}) holds {need.Description} ({need.Accuracy:P2}): {need.TableBytes:N0} of {device.ModelFlashBudgetBytes:N0} flash bytes"));

        if (firstFit >= 0)
        {
            var best = size(Enumerable.Range(firstFit, sequence.Count - firstFit).MaxBy(sequence.Accuracy));
            double drop = Math.Ceiling(10000 * (original.Accuracy - best.Accuracy)) / 100;
            suggestions.Add(string.Create(CultureInfo.InvariantCulture,
                $"--min-accuracy {Math.Floor(best.Accuracy * 10000) / 10000:0.####} (or --max-drop {drop:0.##}) accepts {best.Description}: {best.TableBytes:N0} bytes, {best.Accuracy:P2}"));
        }

        return suggestions;
    }

    /// <summary>
    /// The models the search walks, least pruned first: the forest after 0, 1, … dropped trees, then every step of the
    /// last tree's cost-complexity path. Models are built on demand; accuracies are cached.
    /// </summary>
    private sealed class ShrinkingSequence
    {
        private readonly TreeEnsemble _model;
        private readonly TreeDataset _eval;
        private readonly IReadOnlyList<TreeSubset> _drops;
        private readonly TreeEnsemble _lastTree;
        private readonly NodeStatistics _stats;
        private readonly IReadOnlyList<PruningStep> _path;
        private readonly Dictionary<int, double> _accuracy = [];

        public ShrinkingSequence(TreeEnsemble model, TreeDataset eval, TreeDataset statistics)
        {
            _model = model;
            _eval = eval;
            _drops = model.Trees.Length > 1 ? TreeDropper.EliminationOrder(model, eval) : [];
            _lastTree = _drops.Count > 0 ? TreeDropper.Keep(model, _drops[^1].Kept) : model;
            _stats = NodeStatistics.Collect(_lastTree.Trees[0], statistics, model.TargetCount);
            _path = CostComplexityPruner.Path(_stats);
        }

        /// <summary>Forest subsets of two or more trees, then the path (whose step 0 is the last tree unpruned).</summary>
        public int Count => Math.Max(0, _drops.Count - 1) + _path.Count;

        private int ForestSteps => Math.Max(0, _drops.Count - 1);

        public (TreeEnsemble Ensemble, string Description, double? Alpha) At(int position)
        {
            if (position < ForestSteps)
            {
                var kept = _drops[position].Kept;
                return (position == 0 ? _model : TreeDropper.Keep(_model, kept), position == 0 ? $"the original {Plural(_model.Trees.Length)}" : $"{kept.Length} of {Plural(_model.Trees.Length)}", null);
            }

            var step = _path[position - ForestSteps];
            string tree = _drops.Count > 0 ? $"the best single tree of {Plural(_model.Trees.Length)}" : "the tree";
            string description = step.Alpha == 0
                ? (position == 0 ? "the original tree" : tree + ", unpruned")
                : string.Create(CultureInfo.InvariantCulture, $"{tree} cost-complexity pruned at α {step.Alpha:G4} ({step.Nodes} nodes)");
            return (_lastTree with { Trees = [CostComplexityPruner.Apply(_stats, step)] }, description, step.Alpha);
        }

        /// <summary>Accuracy on the evaluation set as <see cref="TreeEnsembleEvaluator"/> (and ONNX Runtime) computes it.</summary>
        public double Accuracy(int position)
        {
            if (!_accuracy.TryGetValue(position, out double a))
            {
                a = CostComplexityPruner.Accuracy(At(position).Ensemble, _eval);
                _accuracy[position] = a;
            }

            return a;
        }

        private static string Plural(int trees) => trees == 1 ? "1 tree" : $"{trees} trees";
    }
}
