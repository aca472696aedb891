using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;

namespace EdgePrune.Training.Tests;

/// <summary>
/// The committed sample models, judged by ONNX Runtime on the 2,000 held-out MNIST test digits. The floors sit a
/// little under the accuracies measured when the models were made (samples/models/README.md, docs/results.md).
/// </summary>
public class SampleModelTests
{
    [Theory]
    [InlineData("lenet-300-100.onnx", new[] { 784 }, 0.970)]
    [InlineData("lenet5.onnx", new[] { 1, 28, 28 }, 0.985)]
    public void Committed_model_reaches_its_accuracy_floor_in_OnnxRuntime(string file, int[] sampleShape, double floor)
    {
        var test = Samples.MnistTest;
        var bytes = File.ReadAllBytes(Samples.Model(file));
        var input = Tensor.FromArray(test.Features, [test.Count, .. sampleShape]);
        var logits = OrtOracle.Run(bytes, new Dictionary<string, Tensor> { ["input"] = input })["logits"].Span<float>();
        int correct = 0;
        for (int i = 0; i < test.Count; i++)
        {
            correct += System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.Slice(i * 10, 10)) == test.Labels![i] ? 1 : 0;
        }

        double accuracy = (double)correct / test.Count;
        Assert.True(accuracy >= floor, $"{file}: {accuracy:P2} on the test digits, floor {floor:P1}");
        Assert.Equal(accuracy, Trainer.Evaluate(OnnxImporter.Load(Samples.Model(file)).Graph, test), 1e-4);
    }
}
