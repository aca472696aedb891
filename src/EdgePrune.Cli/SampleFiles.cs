using EdgePrune.Core;
using EdgePrune.Core.IO;

namespace EdgePrune.Cli;

/// <summary>
/// The built-in sample files: $EDGEPRUNE_SAMPLES when set, else the nearest <c>samples</c> folder beside or above
/// the running program (a source checkout).
/// </summary>
public static class SampleFiles
{
    public static string Directory =>
        CheckoutFolder.Locate("EDGEPRUNE_SAMPLES", "samples", folder => System.IO.Directory.Exists(Path.Combine(folder, "models")) && System.IO.Directory.Exists(Path.Combine(folder, "mnist")));

    public static string Model(string file) => Existing(Path.Combine(Directory, "models", file));

    public static string Mnist(string file) => Existing(Path.Combine(Directory, "mnist", file));

    private static string Existing(string path) => File.Exists(path)
        ? path
        : throw new EdgePruneException($"sample file {path} not found; run from a source checkout or set EDGEPRUNE_SAMPLES to the samples/ folder");
}
