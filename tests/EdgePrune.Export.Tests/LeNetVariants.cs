using System.Collections.Concurrent;
using EdgePrune.Compression.Pruning;
using EdgePrune.Compression.Quantization;
using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Export.Epb;
using EdgePrune.TestSupport;

namespace EdgePrune.Export.Tests;

/// <summary>
/// The committed LeNets as a device would get them: dense or magnitude-pruned (90 % and 98 % unstructured, 1:4, 4×4 blocks: between them every weight encoding),
/// fp32 or quantized by the existing Quantizer (int8 or int4 weights) calibrated on 200 training digits. Variants are
/// "precision-pruning[-speed]", e.g. "int8-block1x8g90-speed".
/// </summary>
internal static class LeNetVariants
{
    public const int TestDigits = 200;

    private static readonly Lazy<Tensor> TrainImages = new(() => DataFiles.Load(RepositoryPaths.Mnist("train-images-idx3-ubyte.gz")));
    private static readonly Lazy<Tensor> TestImages = new(() => DataFiles.Load(RepositoryPaths.Mnist("test-images-idx3-ubyte.gz")));

    private static readonly ConcurrentDictionary<string, Lazy<(Graph, EpbWriteOptions)>> Built = new(StringComparer.Ordinal);

    public static Graph Source(string modelFile) => OnnxImporter.Load(RepositoryPaths.SampleModel(modelFile)).Graph;

    /// <summary>The variant's graph and what the .epb writer (and so the C generator) is given; built once per test run.</summary>
    public static (Graph Graph, EpbWriteOptions Options) Build(string modelFile, string variant) =>
        Built.GetOrAdd($"{modelFile} {variant}", _ => new Lazy<(Graph, EpbWriteOptions)>(() => Create(modelFile, variant))).Value;

    private static (Graph Graph, EpbWriteOptions Options) Create(string modelFile, string variant)
    {
        var graph = Source(modelFile);
        string[] parts = variant.Split('-');
        graph = parts[1] switch
        {
            "dense" => graph,
            "sparse90" => MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = 0.9f }).Graph,
            "sparse98" => MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = 0.98f }).Graph,
            "1of4" => MagnitudePruner.Prune(graph, new PruningOptions { Pattern = SparsityPattern.Parse("1:4") }).Graph,
            "block4x4" => MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = 0.8f, Pattern = SparsityPattern.Parse("block:4x4") }).Graph,
            "block1x8g90" => MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = 0.9f, Scope = PruningScope.Global, Pattern = SparsityPattern.Parse("block:1x8") }).Graph,
            _ => throw new ArgumentException($"unknown pruning in variant '{variant}'"),
        };
        // A third part "speed" has the writer pick each weight's fastest encoding instead of its smallest.
        var goal = parts.Length > 2 && parts[2] == "speed" ? EncodingGoal.Speed : EncodingGoal.Size;
        if (parts[0] == "fp32")
        {
            return (graph, new EpbWriteOptions { Optimize = goal });
        }

        var calibration = CalibrationData.Slice(CalibrationData.ForInput(graph, TrainImages.Value, "train-images"), 0, 200);
        var precision = parts[0] == "int4" ? WeightPrecision.Int4 : WeightPrecision.Int8;
        var quantized = Quantizer.Quantize(graph, calibration, new QuantizationOptions { Weights = precision });
        return (quantized.Graph, new EpbWriteOptions { Quantization = EpbQuantizationBuilder.From(quantized, allowInt4: true), Optimize = goal });
    }

    /// <summary>The first <see cref="TestDigits"/> held-out digits, each as the model's fp32 input (pixels / 255).</summary>
    public static float[][] Digits(Graph graph)
    {
        var test = CalibrationData.ForInput(graph, TestImages.Value, "test-images");
        return Enumerable.Range(0, TestDigits).Select(i => CalibrationData.Sample(test, i).ToFloatArray()).ToArray();
    }
}
