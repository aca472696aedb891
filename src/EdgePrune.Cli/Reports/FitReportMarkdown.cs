using System.Text;

namespace EdgePrune.Cli.Reports;

/// <summary>report.md: the HTML page's twin in Markdown, same tables and numbers, without the plots.</summary>
public static class FitReportMarkdown
{
    public static string Write(FitReport report)
    {
        var md = new StringBuilder();
        md.AppendLine($"# EdgePrune {report.Command}: {Path.GetFileName(report.ModelPath)} → {report.Result.Request.Device.Name}");
        md.AppendLine();
        foreach (var (name, value) in FitReportTables.Summary(report))
        {
            md.AppendLine($"- **{name}**: {Escape(value)}");
        }

        Section(md, "Device budget", FitReportTables.Budgets(report));
        Section(md, "Candidates", FitReportTables.Candidates(report));
        Section(md, "Layers", FitReportTables.Layers(report));
        if (FitReportTables.Sensitivity(report) is { } sensitivity)
        {
            var s = report.Result.Sensitivity!;
            md.AppendLine();
            md.AppendLine("## Sensitivity");
            md.AppendLine();
            md.AppendLine($"{FitReport.Percent(s.Baseline)} {report.MetricWord} with every layer dense int8, on {s.Samples} samples; each cell: one layer alone compressed so, before any recovery{(s.Complete ? "" : " (the time budget cut the sweep short)")}.");
            Table(md, sensitivity);
        }

        if (FitReportTables.Confusion(report) is { } confusion)
        {
            Section(md, "Confusion matrix (fitted model, integer executor)", confusion);
        }

        Section(md, "Time", FitReportTables.Timings(report));
        md.AppendLine();
        md.AppendLine("## Reproduce");
        md.AppendLine();
        md.AppendLine("```");
        foreach (var command in report.Commands)
        {
            md.AppendLine(command);
        }

        md.AppendLine("```");
        if (report.Files.Count > 0)
        {
            md.AppendLine();
            md.AppendLine($"Files: {string.Join(", ", report.Files.Select(f => $"`{f}`"))}.");
        }

        return md.ToString();
    }

    private static void Section(StringBuilder md, string title, FitReportTables.Table table)
    {
        md.AppendLine();
        md.AppendLine($"## {title}");
        md.AppendLine();
        Table(md, table);
    }

    private static void Table(StringBuilder md, FitReportTables.Table table)
    {
        md.AppendLine("| " + string.Join(" | ", table.Header.Select(Escape)) + " |");
        md.AppendLine("|" + string.Join("|", table.Header.Select(_ => " --- ")) + "|");
        foreach (var row in table.Rows)
        {
            md.AppendLine("| " + string.Join(" | ", row.Select(Escape)) + " |");
        }
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
