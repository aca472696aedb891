using EdgePrune.Core.Data;
using EdgePrune.Training.Data;

namespace EdgePrune.Training.Tests;

/// <summary>The repository's sample data and models, found by walking up to EdgePrune.sln.</summary>
internal static class Samples
{
    public static string Root { get; } = FindRoot();

    public static string Mnist(string file) => Path.Combine(Root, "samples", "mnist", file);

    public static string Model(string file) => Path.Combine(Root, "samples", "models", file);

    public static Dataset MnistTrain { get; } = Load("train");

    public static Dataset MnistTest { get; } = Load("test");

    private static Dataset Load(string part) => Dataset.FromTensors(
        DataFiles.Load(Mnist($"{part}-images-idx3-ubyte.gz")), DataFiles.Load(Mnist($"{part}-labels-idx1-ubyte.gz")), $"mnist {part}");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgePrune.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("EdgePrune.sln not found above the test binaries");
    }
}
