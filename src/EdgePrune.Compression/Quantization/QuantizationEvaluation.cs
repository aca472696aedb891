using EdgePrune.Core;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization;

/// <summary>Runs a model on a batch of float inputs and returns its first output (a logits or probabilities [batch, classes] tensor).</summary>
public delegate Tensor BatchRunner(Tensor batch);

/// <summary>Accuracy of the fp32 model, of the QDQ model and of the integer executor on labelled data, and how well the last two agree.</summary>
public sealed record EvaluationResult(
    int Samples,
    double Fp32Accuracy,
    double QdqAccuracy,
    double IntegerAccuracy,
    int ArgMaxAgreements,
    int MaxLsbDifference)
{
    /// <summary>fp32 accuracy minus QDQ accuracy, in percentage points.</summary>
    public double LossPoints => 100 * (Fp32Accuracy - QdqAccuracy);
}

/// <summary>
/// Evaluation against labels. Runners are passed in (the CLI passes ONNX Runtime sessions) so this library stays free
/// of ONNX Runtime; <paramref name="qdqInt8"/> must return the int8 graph output of the QDQ model (its QuantizeLinear
/// output, see <see cref="QdqExporter.QuantizedName"/>), compared LSB by LSB with the integer executor.
/// </summary>
public static class QuantizationEvaluation
{
    public static EvaluationResult Evaluate(QuantizedModel model, Tensor samples, long[] labels, BatchRunner fp32, BatchRunner qdqInt8, int batchSize = 256)
    {
        int count = samples.Shape[0];
        if (labels.Length != count)
        {
            throw new EdgePruneException($"the evaluation data has {count} samples but the labels hold {labels.Length}; they must match one to one");
        }

        var executor = new IntegerExecutor(model);
        string output = model.Graph.Outputs[0].Name;
        int fp32Correct = 0, qdqCorrect = 0, integerCorrect = 0, agreements = 0, maxLsb = 0;
        for (int start = 0; start < count; start += batchSize)
        {
            int n = Math.Min(batchSize, count - start);
            var batch = CalibrationData.Slice(samples, start, n);
            var reference = fp32(batch).ToFloatArray();
            var ort = qdqInt8(batch).Span<sbyte>();
            var integer = executor.Run(batch)[output].Span<sbyte>();
            if (ort.Length != integer.Length || reference.Length != integer.Length)
            {
                throw new EdgePruneException($"output '{output}' has {integer.Length} values from the integer executor but {ort.Length} from the QDQ model and {reference.Length} from fp32");
            }

            int classes = integer.Length / n;
            for (int r = 0; r < n; r++)
            {
                long label = labels[start + r];
                int a = ArgMax(reference.AsSpan(r * classes, classes));
                int b = ArgMax(ort.Slice(r * classes, classes));
                int c = ArgMax(integer.Slice(r * classes, classes));
                fp32Correct += a == label ? 1 : 0;
                qdqCorrect += b == label ? 1 : 0;
                integerCorrect += c == label ? 1 : 0;
                agreements += b == c ? 1 : 0;
            }

            for (int i = 0; i < ort.Length; i++)
            {
                maxLsb = Math.Max(maxLsb, Math.Abs(ort[i] - integer[i]));
            }
        }

        return new EvaluationResult(count, (double)fp32Correct / count, (double)qdqCorrect / count, (double)integerCorrect / count, agreements, maxLsb);
    }

    public static int ArgMax<T>(ReadOnlySpan<T> values) where T : IComparable<T>
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i].CompareTo(values[best]) > 0)
            {
                best = i;
            }
        }

        return best;
    }
}
