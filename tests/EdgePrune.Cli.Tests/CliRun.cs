namespace EdgePrune.Cli.Tests;

/// <summary>Runs the CLI in-process and captures what it prints.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public static CliRun Of(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(args, stdout, stderr);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    public string[] StderrLines => Stderr.TrimEnd().Split(Environment.NewLine);

    public string[] StdoutLines => Stdout.TrimEnd().Split(Environment.NewLine);
}
