namespace EdgePrune.TestSupport;

/// <summary>Files of the checkout the tests run from: sample data, sample models, device profiles.</summary>
public static class RepositoryPaths
{
    /// <summary>The checkout's root: the nearest ancestor of the test binaries holding EdgePrune.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Devices(params string[] parts) => Path.Combine([Root, "devices", .. parts]);

    /// <summary>A file of the real MNIST sample (samples/mnist), e.g. "test-images-idx3-ubyte.gz".</summary>
    public static string Mnist(string file) => Path.Combine(Root, "samples", "mnist", file);

    /// <summary>A committed sample model (samples/models), e.g. "lenet5.onnx".</summary>
    public static string SampleModel(string file) => Path.Combine(Root, "samples", "models", file);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgePrune.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"EdgePrune.sln not found above the test binaries ({AppContext.BaseDirectory})");
    }
}
