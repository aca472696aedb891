using EdgePrune.Core;

namespace EdgePrune.Cli;

/// <summary>
/// Runs a command body and turns failures into exit codes: bad input (<see cref="EdgePruneException"/>)
/// is one line on stderr and exit 2; any other exception is a bug, reported as an internal error, exit 70
/// (EX_SOFTWARE in BSD sysexits.h). Stack traces are printed only when EDGEPRUNE_DEBUG=1.
/// </summary>
public static class CommandRunner
{
    public const int InternalError = 70;

    public static int Run(TextWriter stderr, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (EdgePruneException e)
        {
            stderr.WriteLine("edgeprune: " + Headline(e.Message));
            WriteDebugDetails(stderr, e);
            return CommandLine.BadInput;
        }
        catch (Exception e)
        {
            string firstLine = e.Message.Split('\n', 2)[0].TrimEnd('\r');
            stderr.WriteLine($"edgeprune: internal error: {e.GetType().Name}: {firstLine} (this is a bug in EdgePrune; set EDGEPRUNE_DEBUG=1 for the stack trace)");
            WriteDebugDetails(stderr, e);
            return InternalError;
        }
    }

    /// <summary>
    /// The message as the user sees it. A problem list ("  - ...") with a single entry is folded into the
    /// first line, so one problem is one line; longer lists follow the first line, one problem per line.
    /// </summary>
    private static string Headline(string message)
    {
        var lines = message.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        return lines.Length == 2 && lines[1].StartsWith("  - ", StringComparison.Ordinal)
            ? $"{lines[0].TrimEnd(':')}: {lines[1][4..]}"
            : string.Join(Environment.NewLine, lines);
    }

    private static void WriteDebugDetails(TextWriter stderr, Exception e)
    {
        if (Environment.GetEnvironmentVariable("EDGEPRUNE_DEBUG") == "1")
        {
            stderr.WriteLine(e.ToString());
        }
    }
}
