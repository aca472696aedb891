namespace EdgePrune.Sensors.Tests;

internal static class RepositoryPaths
{
    /// <summary>The checkout's root: the nearest ancestor of the test binaries holding EdgePrune.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Devices(params string[] parts) => Path.Combine([Root, "devices", .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgePrune.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("EdgePrune.sln not found above the test binaries.");
    }
}
