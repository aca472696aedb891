using System.Globalization;
using System.Net;
using System.Text;

namespace EdgePrune.Cli.Reports;

/// <summary>
/// report.html: one self-contained page (inline CSS, plots as SVG data URIs, no script, nothing fetched) that opens
/// offline in any browser; the same tables as report.md, plus the budget bars and the two plots.
/// </summary>
public static class FitReportHtml
{
    private const string Style = """
        body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
        h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
        table { border-collapse: collapse; margin: .6em 0; font-variant-numeric: tabular-nums; }
        th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; } th { background: #f3f3f3; }
        td:first-child, th:first-child { text-align: left; }
        tr.chosen td { background: #ffe9e6; font-weight: 600; }
        dl { display: grid; grid-template-columns: max-content auto; gap: 2px 1em; } dt { font-weight: 600; } dd { margin: 0; }
        .bar { position: relative; background: #eee; height: 18px; width: 480px; margin: 2px 0 8px; }
        .bar span { position: absolute; left: 0; top: 0; bottom: 0; }
        .before { background: #b9c7d6; } .after { background: #2f7d32; } .over { background: #c62828; }
        .budget-line { position: absolute; top: -3px; bottom: -3px; border-left: 2px dashed #e65100; }
        .status-fitted, .status-fits { color: #2f7d32; } .status-cannot, .status-below, .status-does { color: #c62828; }
        pre { background: #f6f6f6; padding: .8em; overflow-x: auto; }
        img.plot { display: block; margin: .6em 0; max-width: 100%; }
        """;

    public static string Write(FitReport report)
    {
        var r = report.Result;
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>");
        html.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.AppendLine($"<title>EdgePrune {E(report.Command)}: {E(Path.GetFileName(report.ModelPath))} → {E(r.Request.Device.Name)}</title>");
        html.AppendLine($"<style>{Style}</style></head><body>");
        html.AppendLine($"<h1>EdgePrune {E(report.Command)}: {E(Path.GetFileName(report.ModelPath))} → {E(r.Request.Device.Name)} <span class=\"status-{E(report.Status.Split(' ')[0])}\">({E(report.Status)})</span></h1>");
        html.AppendLine("<dl id=\"summary\">");
        foreach (var (name, value) in FitReportTables.Summary(report))
        {
            html.AppendLine($"<dt>{E(name)}</dt><dd>{E(value)}</dd>");
        }

        html.AppendLine("</dl>");
        html.AppendLine("<h2>Device budget</h2><div id=\"budget\">");
        foreach (var (name, before, after, budget) in report.BudgetBars)
        {
            long scale = Math.Max(budget, Math.Max(before ?? 0, after ?? 0));
            html.AppendLine($"<div>{E(name)}: before {E(before is { } b ? FitReport.Bytes(b) : "-")}, after {E(after is { } a ? FitReport.Bytes(a) : "-")}, budget {E(FitReport.Bytes(budget))} bytes</div>");
            html.AppendLine("<div class=\"bar\">");
            if (before is { } bb)
            {
                html.AppendLine($"<span class=\"before\" style=\"width:{Width(bb, scale)}%;height:50%\" title=\"before\"></span>");
            }

            if (after is { } aa)
            {
                html.AppendLine($"<span class=\"{(aa <= budget ? "after" : "over")}\" style=\"width:{Width(aa, scale)}%;top:50%\" title=\"after\"></span>");
            }

            html.AppendLine($"<span class=\"budget-line\" style=\"left:{Width(budget, scale)}%\" title=\"budget\"></span>");
            html.AppendLine("</div>");
        }

        html.AppendLine("</div>");
        Table(html, FitReportTables.Budgets(report), "budget-table");
        if (r.Candidates.Count > 0)
        {
            html.AppendLine("<h2>Candidates</h2>");
            Plot(html, "pareto-plot", "accuracy versus flash bytes of the candidates", ReportPlots.Pareto(report));
            Table(html, FitReportTables.Candidates(report), "candidates");
        }

        if (r.Layers.Count > 0)
        {
            html.AppendLine("<h2>Layers</h2>");
            Table(html, FitReportTables.Layers(report), "layers");
        }

        if (FitReportTables.Sensitivity(report) is { } sensitivity)
        {
            var s = r.Sensitivity!;
            html.AppendLine("<h2>Sensitivity</h2>");
            html.AppendLine($"<p>{E(FitReport.Percent(s.Baseline))} {E(report.MetricWord)} with every layer dense int8, on {s.Samples} samples; each cell: one layer alone compressed so, before any recovery{(s.Complete ? "" : " (the time budget cut the sweep short)")}.</p>");
            if (ReportPlots.Sensitivity(report) is { } svg)
            {
                Plot(html, "sensitivity-plot", "score of each layer against its sparsity", svg);
            }

            Table(html, sensitivity, "sensitivity");
        }

        if (FitReportTables.Confusion(report) is { } confusion && r.Confusion is { } m)
        {
            html.AppendLine("<h2>Confusion matrix (fitted model, integer executor)</h2>");
            int max = Math.Max(1, Enumerable.Range(0, report.Classes).Max(t => Enumerable.Range(0, report.Classes).Max(p => m[t, p])));
            html.AppendLine("<table id=\"confusion\"><tr>" + string.Concat(confusion.Header.Select(h => $"<th>{E(h)}</th>")) + "</tr>");
            for (int t = 0; t < report.Classes; t++)
            {
                html.Append($"<tr><th>{t}</th>");
                for (int p = 0; p < report.Classes; p++)
                {
                    double shade = Math.Sqrt((double)m[t, p] / max);
                    string color = t == p ? "47,125,50" : "198,40,40";
                    html.Append(CultureInfo.InvariantCulture, $"<td style=\"background:rgba({color},{shade:0.00})\">{m[t, p]}</td>");
                }

                html.AppendLine("</tr>");
            }

            html.AppendLine("</table>");
        }

        html.AppendLine("<h2>Time</h2>");
        Table(html, FitReportTables.Timings(report), "timings");
        html.AppendLine("<h2>Reproduce</h2>");
        html.AppendLine($"<pre id=\"commands\">{E(string.Join("\n", report.Commands))}</pre>");
        if (report.Files.Count > 0)
        {
            html.AppendLine($"<p>Files: {string.Join(", ", report.Files.Select(f => $"<code>{E(f)}</code>"))}.</p>");
        }

        html.AppendLine("</body></html>");
        return html.ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string Width(long value, long scale) => (100.0 * value / Math.Max(1, scale)).ToString("0.##", CultureInfo.InvariantCulture);

    private static void Plot(StringBuilder html, string id, string alt, string svg) =>
        html.AppendLine($"<img class=\"plot\" id=\"{id}\" alt=\"{E(alt)}\" src=\"data:image/svg+xml;base64,{Convert.ToBase64String(Encoding.UTF8.GetBytes(svg))}\">");

    private static void Table(StringBuilder html, FitReportTables.Table table, string id)
    {
        html.AppendLine($"<table id=\"{id}\"><tr>" + string.Concat(table.Header.Select(h => $"<th>{E(h)}</th>")) + "</tr>");
        for (int i = 0; i < table.Rows.Count; i++)
        {
            html.AppendLine((table.Highlight == i ? "<tr class=\"chosen\">" : "<tr>") + string.Concat(table.Rows[i].Select(c => $"<td>{E(c)}</td>")) + "</tr>");
        }

        html.AppendLine("</table>");
    }
}
