namespace EdgePrune.Core.IO;

/// <summary>Finds a data folder that ships with EdgePrune (devices/, samples/) for a source checkout or an installed tool.</summary>
public static class CheckoutFolder
{
    /// <summary>
    /// $<paramref name="environmentVariable"/> when set; else the nearest folder named <paramref name="name"/> beside or
    /// above the running program that <paramref name="looksRight"/> accepts (a source checkout); else the one beside it.
    /// </summary>
    public static string Locate(string environmentVariable, string name, Func<string, bool> looksRight)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, name);
            if (Directory.Exists(candidate) && looksRight(candidate))
            {
                return candidate;
            }
        }

        return Path.Combine(AppContext.BaseDirectory, name);
    }
}
