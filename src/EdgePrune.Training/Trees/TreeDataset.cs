using EdgePrune.Core;
using EdgePrune.Core.Ir;

namespace EdgePrune.Training.Trees;

/// <summary>
/// Samples for tree training or evaluation: row-major float features [Rows, FeatureCount] and either class indices
/// (into <see cref="ClassLabels"/>) or regression targets.
/// </summary>
public sealed class TreeDataset
{
    public TreeDataset(float[] features, int featureCount, int[]? classes, long[] classLabels, float[]? targets)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (featureCount <= 0 || features.Length % featureCount != 0)
        {
            throw new EdgePruneException($"{features.Length} feature values do not split into rows of {featureCount} features");
        }

        Features = features;
        FeatureCount = featureCount;
        Rows = features.Length / featureCount;
        Classes = classes;
        ClassLabels = classLabels;
        Targets = targets;
        if ((classes?.Length ?? targets?.Length ?? Rows) != Rows)
        {
            throw new EdgePruneException($"{Rows} samples but {classes?.Length ?? targets?.Length} labels; the feature and label files must hold the same number of samples");
        }
    }

    public float[] Features { get; }

    public int FeatureCount { get; }

    public int Rows { get; }

    /// <summary>Class index per sample (classification), or null.</summary>
    public int[]? Classes { get; }

    /// <summary>The label of each class index, ascending.</summary>
    public long[] ClassLabels { get; }

    /// <summary>Target per sample (regression), or null.</summary>
    public float[]? Targets { get; }

    public int ClassCount => ClassLabels.Length;

    public ReadOnlySpan<float> Row(int i) => Features.AsSpan(i * FeatureCount, FeatureCount);

    /// <summary>
    /// Samples from tensors as <c>DataFiles.Load</c> returns them: features of any numeric type with the samples on the
    /// first axis (images [N,28,28] flatten to 784 features), integer labels [N]. The class list is the sorted distinct
    /// labels, unless <paramref name="classLabels"/> fixes it (so an evaluation set maps to a model's classes).
    /// </summary>
    public static TreeDataset ForClassification(Tensor features, Tensor labels, string featuresName, string labelsName, IReadOnlyList<long>? classLabels = null)
    {
        var (x, featureCount) = Flatten(features, featuresName);
        long[] y = ToInt64(labels, labelsName);
        long[] classes = classLabels is null ? [.. y.Distinct().Order()] : [.. classLabels];
        var indexOf = classes.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i);
        var classIndex = new int[y.Length];
        for (int i = 0; i < y.Length; i++)
        {
            if (!indexOf.TryGetValue(y[i], out classIndex[i]))
            {
                throw new EdgePruneException($"{labelsName}: sample {i} has label {y[i]}, which is not one of the model's classes ({string.Join(", ", classes)})");
            }
        }

        return new TreeDataset(x, featureCount, classIndex, classes, null);
    }

    public static TreeDataset ForRegression(Tensor features, Tensor targets, string featuresName)
    {
        var (x, featureCount) = Flatten(features, featuresName);
        return new TreeDataset(x, featureCount, null, [], targets.ToFloatArray());
    }

    /// <summary>The samples at <paramref name="rows"/>, in that order.</summary>
    public TreeDataset Subset(IReadOnlyList<int> rows)
    {
        var x = new float[rows.Count * FeatureCount];
        for (int i = 0; i < rows.Count; i++)
        {
            Row(rows[i]).CopyTo(x.AsSpan(i * FeatureCount));
        }

        return new TreeDataset(x, FeatureCount, Classes is null ? null : [.. rows.Select(r => Classes[r])], ClassLabels, Targets is null ? null : [.. rows.Select(r => Targets[r])]);
    }

    private static (float[] Data, int FeatureCount) Flatten(Tensor features, string name)
    {
        if (features.Rank < 1 || features.Shape[0] == 0)
        {
            throw new EdgePruneException($"{name}: expected samples on the first axis, got shape {Tensor.FormatShape(features.Shape.ToArray())}");
        }

        float[] data = features.ToFloatArray();
        int featureCount = data.Length / features.Shape[0];
        if (featureCount == 0)
        {
            throw new EdgePruneException($"{name}: the samples have no features");
        }

        if (data.Any(float.IsNaN))
        {
            throw new EdgePruneException($"{name}: the features contain NaN; tree training needs complete data");
        }

        return (data, featureCount);
    }

    private static long[] ToInt64(Tensor labels, string name)
    {
        float[] values = labels.ToFloatArray();
        var result = new long[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] != MathF.Round(values[i]))
            {
                throw new EdgePruneException($"{name}: label {i} is {values[i]}; class labels must be integers");
            }

            result[i] = (long)values[i];
        }

        return result;
    }
}
