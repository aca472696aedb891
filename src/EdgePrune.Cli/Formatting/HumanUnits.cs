using System.Globalization;

namespace EdgePrune.Cli.Formatting;

/// <summary>Numbers for people: binary byte units (KiB = 1024 bytes) and decimal counts (K = 1000).</summary>
public static class HumanUnits
{
    public static string Bytes(long bytes)
    {
        double magnitude = Math.Abs((double)bytes);
        return magnitude < 1024 ? Invariant($"{bytes} B")
            : magnitude < 1024 * 1024 ? Invariant($"{bytes / 1024.0:0.0} KiB")
            : magnitude < 1024L * 1024 * 1024 ? Invariant($"{bytes / (1024.0 * 1024):0.00} MiB")
            : Invariant($"{bytes / (1024.0 * 1024 * 1024):0.00} GiB");
    }

    /// <summary>Parameters and MACs: 950, 100.35 K, 1.82 M, 3.60 G.</summary>
    public static string Count(long count)
    {
        double magnitude = Math.Abs((double)count);
        return magnitude < 1e3 ? Invariant($"{count}")
            : magnitude < 1e6 ? Invariant($"{count / 1e3:0.00} K")
            : magnitude < 1e9 ? Invariant($"{count / 1e6:0.00} M")
            : Invariant($"{count / 1e9:0.00} G");
    }

    /// <summary>Exact byte count with thousands separators: "407,080".</summary>
    public static string ExactBytes(long bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
