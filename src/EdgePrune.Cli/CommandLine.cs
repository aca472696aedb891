using System.CommandLine;
using EdgePrune.Cli.Commands;

namespace EdgePrune.Cli;

/// <summary>Builds the command tree and runs it; every command lives in its own file under Commands/.</summary>
public static class CommandLine
{
    /// <summary>Exit code for bad input or bad usage (missing file, unknown option, unsupported op).</summary>
    public const int BadInput = 2;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("edgeprune: shrink ONNX models until they fit a device, and ship them")
        {
            InspectCommand.Create(stdout, stderr),
            CheckCommand.Create(stdout, stderr),
            SampleCommand.Create(stdout, stderr),
            TrainCommand.Create(stdout, stderr),
            FinetuneCommand.Create(stdout, stderr),
            PruneCommand.Create(stdout, stderr),
            QuantizeCommand.Create(stdout, stderr),
            FitCommand.Create(stdout, stderr),
            ReportCommand.Create(stdout, stderr),
            TreeCommand.Create(stdout, stderr),
            ExportCommand.Create(stdout, stderr),
            VerifyCommand.Create(stdout, stderr),
            BenchCommand.Create(stdout, stderr),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                stderr.WriteLine($"edgeprune: {error.Message}");
            }

            stderr.WriteLine();
            var helpFor = parse.CommandResult.Command;
            helpFor.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = stderr, Error = stderr });
            return BadInput;
        }

        return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }
}
