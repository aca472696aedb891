using EdgePrune.Compression.Pruning;
using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;
using EdgePrune.Training;
using EdgePrune.Training.Data;
using Xunit.Abstractions;

namespace EdgePrune.Compression.Tests.Pruning;

/// <summary>The committed LeNet-300-100 pruned to 90 % and fine-tuned, judged by ONNX Runtime on the exported file.</summary>
public class PruningRecoveryTests(ITestOutputHelper output)
{
    private const double DenseAccuracy = 0.9720; // samples/models/README.md, ONNX Runtime on the 2,000 test digits

    [Fact]
    public void LeNet300_pruned_to_90_percent_and_fine_tuned_is_within_0_3_points_of_dense_in_OnnxRuntime()
    {
        var dense = OnnxImporter.Load(RepositoryPaths.SampleModel("lenet-300-100.onnx"));
        var train = Load("train");
        var test = Load("test");

        var pruned = MagnitudePruner.Prune(dense.Graph, new PruningOptions { Sparsity = 0.9f, Scope = PruningScope.Global });
        var options = new TrainingOptions { Epochs = Epochs, LearningRate = LearningRate, Optimizer = OptimizerKind.Adam, Schedule = ScheduleKind.Cosine, ShiftPixels = Shift };
        var tuned = PruningRecovery.Finetune(pruned.Graph, train, options);
        byte[] file = OnnxExporter.ToBytes(dense with { Graph = tuned.Graph });

        double denseAccuracy = OrtAccuracy(OnnxExporter.ToBytes(dense), test);
        double prunedAccuracy = OrtAccuracy(OnnxExporter.ToBytes(dense with { Graph = pruned.Graph }), test);
        double tunedAccuracy = OrtAccuracy(file, test);
        output.WriteLine($"dense {denseAccuracy:P2}, pruned 90 % {prunedAccuracy:P2}, fine-tuned {Epochs} epochs {tunedAccuracy:P2}");

        Assert.Equal(DenseAccuracy, denseAccuracy, 4);
        Assert.True(tunedAccuracy >= DenseAccuracy - 0.003, $"fine-tuned {tunedAccuracy:P2}, dense {DenseAccuracy:P2}");
        var reloaded = OnnxImporter.Load(file, "tuned").Graph;
        foreach (var layer in pruned.Report.Layers)
        {
            var mask = pruned.Graph.Initializers[layer.Weight].ToFloatArray();
            var after = reloaded.Initializers[layer.Weight].ToFloatArray();
            Assert.All(Enumerable.Range(0, mask.Length).Where(i => mask[i] == 0), i => Assert.Equal(0f, after[i]));
        }
    }

    // Measured (docs/results.md): 8 epochs reach 96.95 %, too close to the 96.90 % bar; 10 reach 97.15 %. A per-layer
    // cut leaves the 100×10 classifier 100 weights and recovers only to 95.90 % in 15 epochs, hence the global threshold.
    private const int Epochs = 10;
    private const float LearningRate = 1e-3f;
    private const int Shift = 1;

    private static Dataset Load(string split) => Dataset.FromTensors(
        DataFiles.Load(RepositoryPaths.Mnist($"{split}-images-idx3-ubyte.gz")),
        DataFiles.Load(RepositoryPaths.Mnist($"{split}-labels-idx1-ubyte.gz")),
        split);

    private static double OrtAccuracy(byte[] model, Dataset test)
    {
        var input = Tensor.FromArray(test.Features, test.Count, test.SampleSize);
        var logits = OrtOracle.Run(model, new Dictionary<string, Tensor> { ["input"] = input })["logits"].Span<float>();
        int correct = 0;
        for (int i = 0; i < test.Count; i++)
        {
            correct += System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.Slice(i * 10, 10)) == test.Labels![i] ? 1 : 0;
        }

        return (double)correct / test.Count;
    }
}
