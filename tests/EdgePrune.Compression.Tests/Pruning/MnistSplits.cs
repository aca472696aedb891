using Tensor = EdgePrune.Core.Ir.Tensor;
using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;
using EdgePrune.Training.Data;

namespace EdgePrune.Compression.Tests.Pruning;

/// <summary>The committed MNIST digits and accuracy as ONNX Runtime measures it.</summary>
internal static class MnistSplits
{
    private static readonly Lazy<Dataset> TrainSet = new(() => Load("train"));
    private static readonly Lazy<Dataset> TestSet = new(() => Load("test"));

    public static Dataset Train => TrainSet.Value;

    public static Dataset Test => TestSet.Value;

    public static Model LeNet300 => OnnxImporter.Load(RepositoryPaths.SampleModel("lenet-300-100.onnx"));

    public static Model LeNet5 => OnnxImporter.Load(RepositoryPaths.SampleModel("lenet5.onnx"));

    /// <summary>Top-1 accuracy of <paramref name="graph"/> (exported as <paramref name="model"/>'s file) on <paramref name="data"/> in ONNX Runtime.</summary>
    public static double OrtAccuracy(Model model, Graph graph, Dataset data)
    {
        var input = graph.Inputs[0];
        int[] sample = input.Type.Shape!.Skip(1).Select(d => (int)d.Value!.Value).ToArray();
        var features = Tensor.FromArray(data.Features, [data.Count, .. sample]);
        var logits = OrtOracle.Run(model with { Graph = graph }, new Dictionary<string, Tensor> { [input.Name] = features })[graph.Outputs[0].Name].Span<float>();
        int classes = logits.Length / data.Count, correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            correct += System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.Slice(i * classes, classes)) == data.Labels![i] ? 1 : 0;
        }

        return (double)correct / data.Count;
    }

    /// <summary>The first <paramref name="count"/> samples, as calibration data.</summary>
    public static Dataset First(this Dataset data, int count) => data.Subset(Enumerable.Range(0, count).ToList(), $"first {count}");

    private static Dataset Load(string split) => Dataset.FromTensors(
        DataFiles.Load(RepositoryPaths.Mnist($"{split}-images-idx3-ubyte.gz")),
        DataFiles.Load(RepositoryPaths.Mnist($"{split}-labels-idx1-ubyte.gz")),
        split);
}
