using EdgePrune.Compression.Quantization;
using EdgePrune.Core;
using EdgePrune.Core.Ir;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = EdgePrune.Core.Ir.Tensor;

namespace EdgePrune.Cli.Reports;

/// <summary>ONNX Runtime's view of a written model: top classes, and the score against labels or against another model's top classes.</summary>
public static class OrtScore
{
    /// <summary>Fraction of samples whose top class equals the label (or, without labels, <paramref name="reference"/>).</summary>
    public static double Of(byte[] onnx, Graph graph, Tensor samples, long[]? labels, int[]? reference)
    {
        var predictions = Predictions(onnx, graph, samples);
        int right = 0;
        for (int i = 0; i < predictions.Length; i++)
        {
            long truth = labels is not null ? labels[i] : reference![i];
            right += predictions[i] == truth ? 1 : 0;
        }

        return (double)right / predictions.Length;
    }

    /// <summary>Top class of each sample; batches follow the model's batch axis (fixed or free).</summary>
    public static int[] Predictions(byte[] onnx, Graph graph, Tensor samples)
    {
        var input = CalibrationData.SingleInput(graph);
        var batchDim = input.Type.Shape?[0];
        int count = samples.Shape[0];
        int step = batchDim is { IsKnown: true } d ? (int)d.Value!.Value : 256;
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        using var session = new InferenceSession(onnx, options);
        string output = graph.Outputs[0].Name;
        var result = new int[count];
        int perSample = samples.ElementCount / count;
        for (int start = 0; start < count; start += step)
        {
            int n = Math.Min(step, count - start);
            int rows = batchDim is { IsKnown: true } ? step : n;
            var buffer = new float[rows * perSample];
            samples.Span<float>().Slice(start * perSample, n * perSample).CopyTo(buffer);
            var feed = NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<float>(buffer, [rows, .. samples.Shape[1..]]));
            using var results = session.Run([feed], [output]);
            var scores = results[0].AsTensor<float>().ToArray();
            int classes = scores.Length / rows;
            for (int i = 0; i < n; i++)
            {
                result[start + i] = QuantizationEvaluation.ArgMax<float>(scores.AsSpan(i * classes, classes));
            }
        }

        return result;
    }
}
