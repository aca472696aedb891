using EdgePrune.Core.Data;
using EdgePrune.Training.Trees;

namespace EdgePrune.TestSupport;

/// <summary>The 8,000 / 2,000 MNIST digits in samples/mnist, loaded once per test run as 784 uint8-valued tree features.</summary>
public static class MnistTreeSamples
{
    private static readonly Lazy<(TreeDataset Train, TreeDataset Test)> Data = new(() =>
    {
        var train = TreeDataset.ForClassification(DataFiles.Load(RepositoryPaths.Mnist("train-images-idx3-ubyte.gz")), DataFiles.Load(RepositoryPaths.Mnist("train-labels-idx1-ubyte.gz")), "train-images", "train-labels");
        var test = TreeDataset.ForClassification(DataFiles.Load(RepositoryPaths.Mnist("test-images-idx3-ubyte.gz")), DataFiles.Load(RepositoryPaths.Mnist("test-labels-idx1-ubyte.gz")), "test-images", "test-labels", train.ClassLabels);
        return (train, test);
    });

    public static TreeDataset Train => Data.Value.Train;

    public static TreeDataset Test => Data.Value.Test;
}
