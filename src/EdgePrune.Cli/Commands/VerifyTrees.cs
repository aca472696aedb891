using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgePrune.Core;
using EdgePrune.Core.Data;
using EdgePrune.Core.Trees;
using EdgePrune.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// The tree branch of <c>edgeprune verify</c>: runs every sample through the .epb trees section and through ONNX Runtime
/// on the ONNX-ML reference; they agree when every label is the same and the scores are within the fp32 tolerance.
/// </summary>
public static class VerifyTrees
{
    public const int GeneratedSamples = 256;

    public static int Execute(EpbModel runtime, string epbPath, byte[] onnx, string referencePath, string? inputsFile, int seed, bool json, TextWriter stdout)
    {
        var ensemble = TreeEnsembleImporter.Load(onnx, referencePath);
        if (!runtime.IsTreeEnsemble)
        {
            throw new EdgePruneException($"{epbPath}: this .epb holds a network but {referencePath} is a tree-ensemble model; pass the .onnx the .epb was exported from");
        }

        int features = runtime.Inputs[0].ElementCount, width = runtime.Outputs[0].ElementCount;
        if (features != ensemble.FeatureCount || width != ensemble.TargetCount)
        {
            throw new EdgePruneException($"{epbPath}: the .epb reads {features} features and gives {width} scores; {referencePath} reads {ensemble.FeatureCount} and gives {ensemble.TargetCount}");
        }

        if (ensemble.Kind == TreeEnsembleKind.Classifier && runtime.Labels.Count != width)
        {
            throw new EdgePruneException($"{epbPath}: the .epb has {runtime.Labels.Count} class labels for its {width} scores; export it again from {referencePath}");
        }

        float[] data = inputsFile is null ? Generate(ensemble, seed) : DataFiles.Load(inputsFile).ToFloatArray();
        if (data.Length == 0 || data.Length % features != 0)
        {
            throw new EdgePruneException($"{inputsFile}: {data.Length} values do not split into samples of {features} features");
        }

        int samples = data.Length / features;
        var (expectedLabels, expectedScores) = RunOnnxRuntime(onnx, referencePath, data, features);
        var scores = new float[width];
        double maxAbs = 0, low = double.PositiveInfinity, high = double.NegativeInfinity;
        int labelAgree = 0;
        for (int s = 0; s < samples; s++)
        {
            int k = runtime.Classify(data.AsSpan(s * features, features), scores);
            labelAgree += ensemble.Kind != TreeEnsembleKind.Classifier || runtime.Labels[k] == expectedLabels[s] ? 1 : 0;
            for (int i = 0; i < width; i++)
            {
                float expected = expectedScores[(s * width) + i];
                maxAbs = Math.Max(maxAbs, float.IsNaN(expected) != float.IsNaN(scores[i]) ? double.PositiveInfinity : float.IsNaN(expected) ? 0 : Math.Abs(expected - scores[i]));
                low = Math.Min(low, expected);
                high = Math.Max(high, expected);
            }
        }

        double tolerance = VerifyCommand.RelativeTolerance * Math.Max(1, high - low);
        bool agrees = maxAbs <= tolerance && labelAgree == samples;
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["epb"] = epbPath,
                ["reference"] = referencePath,
                ["precision"] = "fp32",
                ["model"] = "tree-ensemble",
                ["samples"] = samples,
                ["max_abs_diff"] = double.IsFinite(maxAbs) ? maxAbs : null,
                ["tolerance"] = tolerance,
                ["label_agreement"] = labelAgree,
                ["agrees"] = agrees,
            }, new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"{epbPath} (tree ensemble, {ensemble.Trees.Length} trees) vs ONNX Runtime on {referencePath}, {samples} sample(s){(inputsFile is null ? " generated around the model's thresholds" : "")}");
            text.AppendLine(CultureInfo.InvariantCulture, $"max |diff|         {maxAbs:G4} (tolerance {tolerance:G3})");
            text.AppendLine(CultureInfo.InvariantCulture, $"label agreement    {labelAgree}/{samples}");
            text.AppendLine(agrees ? "verdict            agree" : "verdict            DISAGREE");
            stdout.Write(text.ToString());
        }

        return agrees ? 0 : CheckCommand.Disagrees;
    }

    /// <summary>
    /// Rows whose every value is a threshold the model tests on that feature, exact or half a unit either side (so the
    /// samples take both sides of many branches, and equality modes fire); features no branch tests are uniform in [−1, 1].
    /// </summary>
    private static float[] Generate(TreeEnsemble ensemble, int seed)
    {
        var random = new Random(seed);
        var thresholds = new List<float>[ensemble.FeatureCount];
        foreach (var node in ensemble.Trees.SelectMany(t => t.Nodes).Where(n => !n.IsLeaf && float.IsFinite(n.Threshold)))
        {
            (thresholds[node.Feature] ??= []).Add(node.Threshold);
        }

        var data = new float[GeneratedSamples * ensemble.FeatureCount];
        for (int i = 0; i < data.Length; i++)
        {
            var near = thresholds[i % ensemble.FeatureCount];
            data[i] = near is null ? (float)((random.NextDouble() * 2) - 1) : near[random.Next(near.Count)] + ((random.Next(3) - 1) * 0.5f);
        }

        return data;
    }

    private static (string[] Labels, float[] Scores) RunOnnxRuntime(byte[] onnx, string referencePath, float[] data, int features)
    {
        try
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
            using var session = new InferenceSession(onnx, options);
            string input = session.InputMetadata.Keys.Single();
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, new DenseTensor<float>(data, [data.Length / features, features]))]);
            string[] labels = [];
            float[] scores = [];
            foreach (var r in results)
            {
                switch (r.Value)
                {
                    case DenseTensor<long> l:
                        labels = [.. l.Buffer.ToArray().Select(v => v.ToString(CultureInfo.InvariantCulture))];
                        break;
                    case DenseTensor<string> s:
                        labels = s.Buffer.ToArray();
                        break;
                    case DenseTensor<float> f:
                        scores = f.Buffer.ToArray();
                        break;
                }
            }

            return (labels, scores);
        }
        catch (OnnxRuntimeException e)
        {
            throw new EdgePruneException($"{referencePath}: ONNX Runtime cannot run the reference: {e.Message.Split('\n')[0]}", e);
        }
    }
}
