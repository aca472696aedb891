using EdgePrune.Compression.Quantization;
using EdgePrune.Core;
using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;
using EdgePrune.Training.Autograd;

namespace EdgePrune.Compression.Sensitivity;

/// <summary>What a score measures: top-1 accuracy against labels, or top-1 agreement with the original fp32 model.</summary>
public enum ScoreMetric
{
    Accuracy,
    Agreement,
}

/// <summary>
/// Scores models on a fixed set of samples: with labels, the fraction classified right; without, the fraction whose
/// top class equals the original model's (output fidelity). Quantized models run in the <see cref="IntegerExecutor"/>,
/// so a score is what a device running the same <c>.epb</c> gets.
/// </summary>
public sealed class ModelScorer
{
    private const int BatchSize = 256;
    private readonly int[] _truth;

    /// <param name="samples">[N, input dims…] float samples.</param>
    /// <param name="labels">Class of each sample, or null to score agreement with <paramref name="original"/>.</param>
    /// <param name="original">The fp32 model whose predictions are the reference without labels.</param>
    public ModelScorer(Tensor samples, long[]? labels, Graph original)
        : this(samples, labels is null ? null : Array.ConvertAll(labels, l => (int)l), PredictFloat(original, samples))
    {
    }

    private ModelScorer(Tensor samples, int[]? labels, int[] originalPredictions)
    {
        if (labels is not null && labels.Length != samples.Shape[0])
        {
            throw new EdgePruneException($"the evaluation data has {samples.Shape[0]} samples but the labels hold {labels.Length}; they must match one to one");
        }

        Samples = samples;
        OriginalPredictions = originalPredictions;
        Metric = labels is null ? ScoreMetric.Agreement : ScoreMetric.Accuracy;
        _truth = labels ?? originalPredictions;
        Original = Fraction(OriginalPredictions);
    }

    public Tensor Samples { get; }

    public ScoreMetric Metric { get; }

    public int Count => _truth.Length;

    /// <summary>Top class of each sample by the original fp32 model (reference executor).</summary>
    public int[] OriginalPredictions { get; }

    /// <summary>The original fp32 model's score (1 for agreement).</summary>
    public double Original { get; }

    /// <summary>The class each sample truly has (its label), or the original model's choice without labels.</summary>
    public IReadOnlyList<int> Truth => _truth;

    /// <summary>A scorer on the first <paramref name="count"/> samples, the fast subset a search evaluates candidates on.</summary>
    public ModelScorer Subset(int count)
    {
        int n = Math.Min(count, Count);
        return n == Count ? this : new ModelScorer(CalibrationData.Slice(Samples, 0, n), Metric == ScoreMetric.Accuracy ? _truth[..n] : null, OriginalPredictions[..n]);
    }

    public double Score(QuantizedModel model) => Fraction(Predict(model));

    public double Fraction(int[] predictions)
    {
        int right = 0;
        for (int i = 0; i < predictions.Length; i++)
        {
            right += predictions[i] == _truth[i] ? 1 : 0;
        }

        return (double)right / predictions.Length;
    }

    /// <summary>[truth, predicted] counts over the samples, classes = 1 + the largest class seen.</summary>
    public int[,] Confusion(int[] predictions)
    {
        int classes = 1 + Math.Max(predictions.Max(), _truth.Max());
        var matrix = new int[classes, classes];
        for (int i = 0; i < predictions.Length; i++)
        {
            matrix[_truth[i], predictions[i]]++;
        }

        return matrix;
    }

    /// <summary>Top class of each sample by the integer executor.</summary>
    public int[] Predict(QuantizedModel model)
    {
        var executor = new IntegerExecutor(model);
        string output = model.Graph.Outputs[0].Name;
        return Batched(model.Graph, Samples, batch => executor.Run(batch)[output].Span<sbyte>().ToArray());
    }

    /// <summary>
    /// Top class of each sample in fp32: by the training engine's vectorized kernels when it supports every op of the
    /// graph (several times faster than the reference executor on the MNIST models), else by the reference executor.
    /// </summary>
    public static int[] PredictFloat(Graph graph, Tensor samples)
    {
        string input = CalibrationData.SingleInput(graph).Name, output = graph.Outputs[0].Name;
        AutogradEngine? engine;
        try
        {
            engine = new AutogradEngine(graph, trainable: []);
        }
        catch (EdgePruneException)
        {
            engine = null;
        }

        return Batched(graph, samples, batch =>
        {
            if (engine is null)
            {
                return ReferenceExecutor.Run(graph, new Dictionary<string, Tensor> { [input] = batch })[output].ToFloatArray();
            }

            engine.SetInput(input, batch.Span<float>(), batch.Shape);
            engine.Run(training: false);
            return engine.OutputSpan(output, out _).ToArray();
        });
    }

    /// <summary>Runs in batches of the model's fixed batch size, or of <see cref="BatchSize"/> when the batch axis is free.</summary>
    private static int[] Batched<T>(Graph graph, Tensor samples, Func<Tensor, T[]> run) where T : IComparable<T>
    {
        var batchDim = CalibrationData.SingleInput(graph).Type.Shape?[0];
        int step = batchDim is { IsKnown: true } d ? (int)d.Value!.Value : BatchSize;
        int count = samples.Shape[0];
        var result = new int[count];
        for (int start = 0; start < count; start += step)
        {
            int n = Math.Min(step, count - start);
            var batch = CalibrationData.Slice(samples, start, n);
            if (n < step && batchDim is { IsKnown: true })
            {
                batch = Pad(batch, step);
            }

            var scores = run(batch);
            int classes = scores.Length / Math.Max(n, batch.Shape[0]);
            for (int i = 0; i < n; i++)
            {
                result[start + i] = QuantizationEvaluation.ArgMax<T>(scores.AsSpan(i * classes, classes));
            }
        }

        return result;
    }

    private static Tensor Pad(Tensor batch, int size)
    {
        var data = new float[batch.ElementCount / batch.Shape[0] * size];
        batch.Span<float>().CopyTo(data);
        return Tensor.FromArray(data, [size, .. batch.Shape[1..]]);
    }
}
