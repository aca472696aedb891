using EdgePrune.Compression.Fitting;
using Spectre.Console;

namespace EdgePrune.Cli.Reports;

/// <summary>
/// Shows a fit's stages: a Spectre.Console progress bar per stage when stdout is an interactive terminal, else one
/// plain line per message on stderr (logs and tests stay readable, and stdout keeps only the verdict).
/// </summary>
public static class StageProgress
{
    public static FitResult Run(TextWriter stdout, TextWriter stderr, Func<Action<FitStage, string>, FitResult> body)
    {
        bool interactive = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (!interactive)
        {
            return body((stage, message) => stderr.WriteLine($"edgeprune: {stage.ToString().ToLowerInvariant()}: {message}"));
        }

        FitResult? result = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var tasks = Enum.GetValues<FitStage>().ToDictionary(s => s, s => context.AddTask(s.ToString().ToLowerInvariant(), autoStart: false, maxValue: 1));
                var current = FitStage.Feasibility;
                tasks[current].StartTask();
                result = body((stage, message) =>
                {
                    foreach (var earlier in Enum.GetValues<FitStage>().Where(s => s < stage))
                    {
                        tasks[earlier].Value = 1;
                    }

                    if (!tasks[stage].IsStarted)
                    {
                        tasks[stage].StartTask();
                    }

                    current = stage;
                    string line = message.Length > 90 ? message[..89] + "…" : message;
                    tasks[stage].Description = Markup.Escape($"{stage.ToString().ToLowerInvariant()}: {line}");
                });
                foreach (var task in tasks.Values)
                {
                    task.Value = 1;
                }
            });
        return result!;
    }
}
