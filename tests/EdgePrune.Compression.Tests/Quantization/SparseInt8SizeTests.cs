using EdgePrune.Compression.Pruning;
using EdgePrune.Compression.Quantization;
using EdgePrune.Compression.Tests.Pruning;
using EdgePrune.Core.Data;
using EdgePrune.Export.C;
using EdgePrune.Export.Epb;
using EdgePrune.TestSupport;
using EdgePrune.Training;
using Xunit.Abstractions;

namespace EdgePrune.Compression.Tests.Quantization;

/// <summary>
/// Issue 5's size figure: LeNet-300-100 90 % sparse (1×8 blocks, global threshold) and int8 against the dense fp32
/// model, in the bytes the .epb and the C export really store; accuracy judged by ONNX Runtime on the QDQ file.
/// </summary>
public class SparseInt8SizeTests(ITestOutputHelper output)
{
    private const double DenseAccuracy = 0.9720; // samples/models/README.md, ONNX Runtime on the 2,000 test digits

    [Fact]
    public void Ninety_percent_block_sparse_int8_LeNet300_is_25_times_smaller_than_dense_fp32_within_half_a_point_in_OnnxRuntime()
    {
        var dense = MnistSplits.LeNet300;
        var pruned = MagnitudePruner.Prune(dense.Graph, new PruningOptions { Sparsity = 0.9f, Scope = PruningScope.Global, Pattern = SparsityPattern.Parse("block:1x8") });
        // docs/results.md: 20 epochs reach 96.65 % (fp32), 30 epochs 97.30 %.
        var tuned = PruningRecovery.Finetune(pruned.Graph, MnistSplits.Train, new TrainingOptions { Epochs = 30, LearningRate = 1e-3f, ShiftPixels = 1 }).Graph;
        var calibration = CalibrationData.ForInput(tuned, DataFiles.Load(RepositoryPaths.Mnist("train-images-idx3-ubyte.gz")), "train");
        var quantized = Quantizer.Quantize(tuned, calibration, new QuantizationOptions());

        var qdq = QdqExporter.ToModel(quantized);
        double accuracy = MnistSplits.OrtAccuracy(qdq, qdq.Graph, MnistSplits.Test);
        var sparseOptions = new EpbWriteOptions { Quantization = EpbQuantizationBuilder.From(quantized) };
        long sparseEpb = EpbWriter.Write(quantized.Graph, sparseOptions).Bytes.Length;
        long denseEpb = EpbWriter.Write(dense.Graph).Bytes.Length;
        long sparseC = CExporter.Write(quantized.Graph, new CExportOptions { Epb = sparseOptions }).Report.ConstantBytes;
        long denseC = CExporter.Write(dense.Graph, new CExportOptions()).Report.ConstantBytes;
        output.WriteLine($"QDQ accuracy {accuracy:P2} (dense fp32 {DenseAccuracy:P2}); .epb {denseEpb} -> {sparseEpb} bytes ({(double)denseEpb / sparseEpb:F1}x); C constants {denseC} -> {sparseC} bytes ({(double)denseC / sparseC:F1}x)");

        Assert.True(accuracy >= DenseAccuracy - 0.005, $"QDQ accuracy {accuracy:P2}");
        Assert.True(denseEpb >= 25 * sparseEpb, $".epb {denseEpb} vs {sparseEpb} bytes");
        Assert.True(denseC >= 25 * sparseC, $"C constants {denseC} vs {sparseC} bytes");
        float[] weights = [.. new[] { "fc1.weight", "fc2.weight", "fc3.weight" }.SelectMany(w => quantized.Graph.Initializers[w].ToFloatArray())];
        Assert.True(weights.Count(v => v == 0) >= 0.9 * weights.Length - 8, "pruned weights must stay zero after quantization");
    }
}
