using System.Collections.Immutable;

namespace EdgePrune.Core.Trees;

public enum TreeEnsembleKind
{
    Classifier,
    Regressor,
}

/// <summary>ONNX-ML <c>post_transform</c> applied to the summed scores; only the ones EdgePrune evaluates exactly.</summary>
public enum TreePostTransform
{
    None,
    Softmax,
    Logistic,
}

/// <summary>How a regressor combines its trees (ONNX-ML <c>aggregate_function</c>).</summary>
public enum TreeAggregate
{
    Sum,
    Average,
}

/// <summary>
/// A tree ensemble in the semantics of ONNX-ML <c>TreeEnsembleClassifier</c> / <c>TreeEnsembleRegressor</c> (ai.onnx.ml
/// opsets 1 and 3): every tree adds its leaf's weights to per-class (per-target) scores, in tree order; base values are
/// added; the post-transform turns scores into probabilities; a classifier's label is the first class with the
/// highest score among the classes that received a vote. Classifiers have at least three classes (see docs/trees.md
/// for why two-class models are refused). Immutable; <see cref="Validate"/> checks it.
/// </summary>
public sealed record TreeEnsemble
{
    public required TreeEnsembleKind Kind { get; init; }

    public required ImmutableArray<DecisionTree> Trees { get; init; }

    /// <summary>Length of one input row.</summary>
    public required int FeatureCount { get; init; }

    /// <summary>Classes (classifier) or regression targets: the width of the score output.</summary>
    public required int TargetCount { get; init; }

    /// <summary>Integer class labels (classifier), or default when <see cref="StringLabels"/> is used.</summary>
    public ImmutableArray<long> Int64Labels { get; init; }

    /// <summary>String class labels (classifier), or default when <see cref="Int64Labels"/> is used.</summary>
    public ImmutableArray<string> StringLabels { get; init; }

    public TreePostTransform PostTransform { get; init; } = TreePostTransform.None;

    public TreeAggregate Aggregate { get; init; } = TreeAggregate.Sum;

    /// <summary>Added to the scores (empty: none). Length <see cref="TargetCount"/>.</summary>
    public ImmutableArray<float> BaseValues { get; init; } = [];

    public string InputName { get; init; } = "X";

    public bool HasStringLabels => !StringLabels.IsDefault;

    public int NodeCount => Trees.Sum(t => t.NodeCount);

    public int LeafCount => Trees.Sum(t => t.LeafCount);

    public int MaxDepth => Trees.Length == 0 ? 0 : Trees.Max(t => t.Depth);

    /// <summary>The label of class <paramref name="classIndex"/>, as text.</summary>
    public string LabelText(int classIndex) => HasStringLabels ? StringLabels[classIndex] : Int64Labels[classIndex].ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Throws an <see cref="EdgePruneException"/> naming <paramref name="where"/> when the ensemble is inconsistent.</summary>
    public void Validate(string where)
    {
        var problems = new List<string>();
        if (Trees.IsDefaultOrEmpty)
        {
            problems.Add("the ensemble has no trees");
        }

        if (FeatureCount <= 0)
        {
            problems.Add($"the feature count must be positive, not {FeatureCount}");
        }

        if (Kind == TreeEnsembleKind.Classifier)
        {
            int labels = HasStringLabels ? StringLabels.Length : Int64Labels.IsDefault ? 0 : Int64Labels.Length;
            if (HasStringLabels == !Int64Labels.IsDefault)
            {
                problems.Add("a classifier needs exactly one of classlabels_int64s and classlabels_strings");
            }
            else if (labels != TargetCount)
            {
                problems.Add($"{labels} class labels but {TargetCount} classes");
            }

            if (TargetCount < 3)
            {
                problems.Add($"the classifier has {TargetCount} classes; two-class (binary) ensembles are not supported because ONNX Runtime scores them by rules that depend on base_values and weight signs (docs/trees.md); export the model with one score per class and at least 3 classes, or as a regressor");
            }

            if (Aggregate != TreeAggregate.Sum)
            {
                problems.Add("a classifier always sums its trees' votes");
            }
        }
        else
        {
            if (TargetCount < 1)
            {
                problems.Add("a regressor needs at least one target (n_targets)");
            }

            if (PostTransform != TreePostTransform.None && TargetCount == 1)
            {
                problems.Add($"post_transform {PostTransform.ToString().ToUpperInvariant()} on a single-target regressor is not supported (ONNX Runtime treats it as a binary classifier score)");
            }
        }

        if (!BaseValues.IsEmpty && BaseValues.Length != TargetCount)
        {
            problems.Add($"base_values has {BaseValues.Length} values but there are {TargetCount} {(Kind == TreeEnsembleKind.Classifier ? "classes" : "targets")}");
        }

        for (int t = 0; t < (Trees.IsDefault ? 0 : Trees.Length); t++)
        {
            var nodes = Trees[t].Nodes;
            for (int i = 0; i < nodes.Length; i++)
            {
                var n = nodes[i];
                if (!n.IsLeaf && (n.Feature < 0 || n.Feature >= FeatureCount))
                {
                    problems.Add($"tree {t} node {i} tests feature {n.Feature}, but the input has {FeatureCount} features");
                }

                if (!n.IsLeaf && float.IsNaN(n.Threshold))
                {
                    problems.Add($"tree {t} node {i} has a NaN threshold");
                }

                if (n.IsLeaf && TargetCount == 1 && n.Weights.Length != 1)
                {
                    problems.Add($"tree {t} leaf {i} has {n.Weights.Length} weights; a single-output ensemble needs exactly one per leaf (ONNX Runtime reads only the first)");
                }

                foreach (var w in n.Weights)
                {
                    if (w.Target < 0 || w.Target >= TargetCount)
                    {
                        problems.Add($"tree {t} leaf {i} votes for {(Kind == TreeEnsembleKind.Classifier ? "class" : "target")} {w.Target}, outside 0..{TargetCount - 1}");
                    }
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new EdgePruneException($"{where}: invalid tree ensemble: {string.Join("; ", problems.Take(10))}{(problems.Count > 10 ? $" (and {problems.Count - 10} more)" : "")}");
        }
    }
}
