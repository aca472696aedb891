using EdgePrune.Core.Trees;
using EdgePrune.TestSupport;
using EdgePrune.Training.Trees;

namespace EdgePrune.Compression.Tests.Trees;

/// <summary>Trees grown once per test run on the sample digits and shared by the pruning and C-export tests.</summary>
internal static class MnistTrees
{
    private static readonly Lazy<TreeEnsemble> FullTreeValue = new(() => CartTrainer.Train(MnistTreeSamples.Train, new CartOptions()));

    private static readonly Lazy<TreeEnsemble> ForestValue = new(() => CartTrainer.TrainForest(MnistTreeSamples.Train, new ForestOptions { TreeCount = 16, Seed = 11 }));

    /// <summary>A fully grown Gini tree on all 8,000 training digits.</summary>
    public static TreeEnsemble FullTree => FullTreeValue.Value;

    public static TreeEnsemble Forest => ForestValue.Value;

    public static double Accuracy(string[] labels, TreeDataset data) =>
        labels.Where((label, i) => label == data.ClassLabels[data.Classes![i]].ToString(System.Globalization.CultureInfo.InvariantCulture)).Count() / (double)data.Rows;
}
