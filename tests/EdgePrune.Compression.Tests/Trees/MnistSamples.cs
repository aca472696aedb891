using EdgePrune.Core.Data;
using EdgePrune.Training.Trees;

namespace EdgePrune.Compression.Tests.Trees;

/// <summary>The 8,000 / 2,000 MNIST digits in samples/mnist, loaded once per test run as 784 uint8-valued features.</summary>
internal static class MnistSamples
{
    private static readonly Lazy<(TreeDataset Train, TreeDataset Test)> Data = new(() =>
    {
        var train = TreeDataset.ForClassification(DataFiles.Load(Find("train-images-idx3-ubyte.gz")), DataFiles.Load(Find("train-labels-idx1-ubyte.gz")), "train-images", "train-labels");
        var test = TreeDataset.ForClassification(DataFiles.Load(Find("test-images-idx3-ubyte.gz")), DataFiles.Load(Find("test-labels-idx1-ubyte.gz")), "test-images", "test-labels", train.ClassLabels);
        return (train, test);
    });

    public static TreeDataset Train => Data.Value.Train;

    public static TreeDataset Test => Data.Value.Test;

    public static string Find(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "samples", "mnist", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"samples/mnist/{name} not found above {AppContext.BaseDirectory}");
    }
}
