using EdgePrune.Compression.Quantization;
using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;
using EdgePrune.Training.Data;

namespace EdgePrune.Compression.Tests.Sensitivity;

/// <summary>The committed LeNet-300-100 and small slices of the MNIST sample digits, loaded once per test class.</summary>
public sealed class MnistSamples
{
    public MnistSamples()
    {
        Model = OnnxImporter.Load(RepositoryPaths.SampleModel("lenet-300-100.onnx")).Graph;
        var testImages = DataFiles.Load(RepositoryPaths.Mnist("test-images-idx3-ubyte.gz"));
        var testLabels = DataFiles.Load(RepositoryPaths.Mnist("test-labels-idx1-ubyte.gz")).ToInt64Array();
        var all = CalibrationData.ForInput(Model, testImages, "test images");
        Eval = CalibrationData.Slice(all, 0, EvalCount);
        Labels = testLabels[..EvalCount];
        var trainImages = DataFiles.Load(RepositoryPaths.Mnist("train-images-idx3-ubyte.gz"));
        Calibration = CalibrationData.Slice(CalibrationData.ForInput(Model, trainImages, "train images"), 0, 200);
        var train = Dataset.FromTensors(trainImages, DataFiles.Load(RepositoryPaths.Mnist("train-labels-idx1-ubyte.gz")), "train");
        Train = train.Subset(Enumerable.Range(0, TrainCount).ToArray(), "train subset");
    }

    public const int EvalCount = 300;
    public const int TrainCount = 1000;

    public Graph Model { get; }

    public Tensor Eval { get; }

    public long[] Labels { get; }

    public Tensor Calibration { get; }

    public Dataset Train { get; }
}
