using EdgePrune.Core;
using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;

namespace EdgePrune.Training.Data;

/// <summary>
/// Training or evaluation samples in memory: one float row per sample (images in [0, 1]) and, when labelled, one
/// class index per sample. Built from the tensors <c>DataFiles.Load</c> returns; checked once here, so a bad file is
/// one clear error before training starts.
/// </summary>
public sealed class Dataset
{
    private Dataset(float[] features, int[] sampleShape, int[]? labels, string source)
    {
        Features = features;
        SampleShape = sampleShape;
        Labels = labels;
        Source = source;
        SampleSize = sampleShape.Aggregate(1, (p, d) => p * d);
    }

    /// <summary>All samples back to back, [Count, SampleShape…] row-major.</summary>
    public float[] Features { get; }

    public int[] SampleShape { get; }

    public int SampleSize { get; }

    public int Count => SampleSize == 0 ? 0 : Features.Length / SampleSize;

    /// <summary>Class index per sample, or null for unlabelled data (distillation with α = 0).</summary>
    public int[]? Labels { get; }

    /// <summary>Where the data came from, for messages.</summary>
    public string Source { get; }

    public ReadOnlySpan<float> Sample(int index) => Features.AsSpan(index * SampleSize, SampleSize);

    /// <summary>
    /// Builds a dataset from a samples tensor [N, …] and an optional labels tensor [N] (or [N, 1]). Unsigned byte
    /// samples (IDX images) are divided by 255 (<see cref="ModelInputs.ToFloats"/>); other numeric types are taken as they are.
    /// </summary>
    public static Dataset FromTensors(Tensor samples, Tensor? labels, string source)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Rank < 2 || samples.Shape[0] == 0 || samples.ElementCount == 0)
        {
            throw new EdgePruneException($"{source}: expected samples shaped [N, …] with N ≥ 1, got {samples.DataType.OnnxName()}{Tensor.FormatShape(samples.Shape)}");
        }

        if (samples.DataType == DataType.Bool || samples.DataType == DataType.String)
        {
            throw new EdgePruneException($"{source}: samples of type {samples.DataType.OnnxName()} cannot be used for training");
        }

        var features = ModelInputs.ToFloats(samples);

        int sampleSize = features.Length / samples.Shape[0];
        for (int i = 0; i < features.Length; i++)
        {
            if (!float.IsFinite(features[i]))
            {
                throw new EdgePruneException($"{source}: sample {i / sampleSize} holds {features[i]} (NaN or infinity) at element {i % sampleSize}");
            }
        }

        int[]? labelArray = null;
        if (labels is not null)
        {
            int n = samples.Shape[0];
            bool shapeOk = labels.Rank >= 1 && labels.Shape[0] == n && labels.ElementCount == n;
            if (!shapeOk)
            {
                throw new EdgePruneException($"{source}: {n} samples but the labels are shaped {Tensor.FormatShape(labels.Shape)}; expected [{n}]");
            }

            labelArray = new int[n];
            var values = labels.ToFloatArray();
            for (int i = 0; i < n; i++)
            {
                float v = values[i];
                if (!float.IsFinite(v) || v < 0 || v != MathF.Floor(v) || v > int.MaxValue)
                {
                    throw new EdgePruneException($"{source}: label {i} is {v}; labels must be class indices 0, 1, 2, …");
                }

                labelArray[i] = (int)v;
            }
        }

        return new Dataset(features, samples.Shape[1..].ToArray(), labelArray, source);
    }

    /// <summary>Checks every label against the model's class count.</summary>
    public void CheckLabels(int classes)
    {
        if (Labels is null)
        {
            return;
        }

        for (int i = 0; i < Labels.Length; i++)
        {
            if (Labels[i] >= classes)
            {
                throw new EdgePruneException($"{Source}: label {Labels[i]} of sample {i} is outside the model's {classes} classes (0..{classes - 1})");
            }
        }
    }

    /// <summary>Splits off a validation set: a seeded shuffle, then the last <paramref name="fraction"/> of it.</summary>
    public (Dataset Train, Dataset Validation) Split(float fraction, int seed)
    {
        if (fraction <= 0 || fraction >= 1)
        {
            throw new EdgePruneException($"validation fraction must be between 0 and 1 (exclusive), got {fraction}");
        }

        var order = Enumerable.Range(0, Count).ToArray();
        new Random(seed).Shuffle(order);
        int validation = Math.Max(1, (int)Math.Round(Count * fraction));
        return (Subset(order[..^validation], "training part"), Subset(order[^validation..], "validation part"));
    }

    /// <summary>The samples at <paramref name="indices"/>, in that order.</summary>
    public Dataset Subset(IReadOnlyList<int> indices, string what = "subset")
    {
        var features = new float[indices.Count * SampleSize];
        var labels = Labels is null ? null : new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Sample(indices[i]).CopyTo(features.AsSpan(i * SampleSize, SampleSize));
            if (labels is not null)
            {
                labels[i] = Labels![indices[i]];
            }
        }

        return new Dataset(features, SampleShape, labels, $"{Source} ({what})");
    }

    /// <summary>The same samples without labels.</summary>
    public Dataset WithoutLabels() => new(Features, SampleShape, null, Source);
}
