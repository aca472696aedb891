using EdgePrune.Core;

namespace EdgePrune.Cli;

/// <summary>
/// The built-in sample files: $EDGEPRUNE_SAMPLES when set, else the nearest <c>samples</c> folder beside or above
/// the running program (a source checkout).
/// </summary>
public static class SampleFiles
{
    public static string Directory
    {
        get
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable("EDGEPRUNE_SAMPLES");
            if (!string.IsNullOrEmpty(fromEnvironment))
            {
                return fromEnvironment;
            }

            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "samples");
                if (System.IO.Directory.Exists(Path.Combine(candidate, "models")) && System.IO.Directory.Exists(Path.Combine(candidate, "mnist")))
                {
                    return candidate;
                }
            }

            return Path.Combine(AppContext.BaseDirectory, "samples");
        }
    }

    public static string Model(string file) => Existing(Path.Combine(Directory, "models", file));

    public static string Mnist(string file) => Existing(Path.Combine(Directory, "mnist", file));

    private static string Existing(string path) => File.Exists(path)
        ? path
        : throw new EdgePruneException($"sample file {path} not found; run from a source checkout or set EDGEPRUNE_SAMPLES to the samples/ folder");
}
