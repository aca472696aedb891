using EdgePrune.Core.Data;
using EdgePrune.Training.Data;
using EdgePrune.TestSupport;

namespace EdgePrune.Training.Tests;

/// <summary>The repository's sample data and models, found by walking up to EdgePrune.sln.</summary>
internal static class Samples
{
    public static string Mnist(string file) => RepositoryPaths.Mnist(file);

    public static string Model(string file) => RepositoryPaths.SampleModel(file);

    public static Dataset MnistTrain { get; } = Load("train");

    public static Dataset MnistTest { get; } = Load("test");

    private static Dataset Load(string part) => Dataset.FromTensors(
        DataFiles.Load(Mnist($"{part}-images-idx3-ubyte.gz")), DataFiles.Load(Mnist($"{part}-labels-idx1-ubyte.gz")), $"mnist {part}");
}
