using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgePrune.TestSupport;

/// <summary>What ONNX Runtime returns for a tree-ensemble model: labels as text (int64 or string labels) and the score output.</summary>
public sealed record OrtTreeResult(string[] Labels, float[] Scores);

/// <summary>Runs ai.onnx.ml tree-ensemble models in ONNX Runtime (single-threaded, so trees are summed in order).</summary>
public static class OrtTreeOracle
{
    /// <param name="features">Row-major [rows, featureCount], fed as the model's only (float) input.</param>
    public static OrtTreeResult Run(byte[] onnx, float[] features, int featureCount)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, options);
        string input = session.InputMetadata.Keys.Single();
        var feed = NamedOnnxValue.CreateFromTensor(input, new DenseTensor<float>(features, [features.Length / featureCount, featureCount]));
        using var results = session.Run([feed]);
        string[] labels = [];
        float[] scores = [];
        foreach (var r in results)
        {
            switch (r.Value)
            {
                case DenseTensor<long> l:
                    labels = [.. l.Buffer.ToArray().Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))];
                    break;
                case DenseTensor<string> s:
                    labels = s.Buffer.ToArray();
                    break;
                case DenseTensor<float> f:
                    scores = f.Buffer.ToArray();
                    break;
                default:
                    throw new NotSupportedException($"unexpected output {r.Name} of type {r.Value?.GetType()}");
            }
        }

        return new OrtTreeResult(labels, scores);
    }
}
