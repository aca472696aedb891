using System.Globalization;
using EdgePrune.Compression.Sensitivity;

namespace EdgePrune.Cli.Reports;

/// <summary>The report's tables as header + text cells, shared by the Markdown and HTML pages so both show the same text.</summary>
public static class FitReportTables
{
    public sealed record Table(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows, int? Highlight = null);

    public static Table Budgets(FitReport report) => new(
        ["budget", "before (fp32 .epb)", "after", "budget bytes", "after / budget"],
        report.BudgetBars.Select(b => (IReadOnlyList<string>)
        [
            b.Name,
            b.Before is { } before ? FitReport.Bytes(before) : "-",
            b.After is { } after ? FitReport.Bytes(after) : "-",
            FitReport.Bytes(b.Budget),
            b.After is { } a ? FitReport.Percent((double)a / b.Budget) : "-",
        ]).ToList());

    public static Table Candidates(FitReport report) => new(
        ["#", "stage", "flash bytes", "RAM bytes", $"{report.MetricWord} (search subset)", "fits", "recipe"],
        report.Result.Candidates.Select(c => (IReadOnlyList<string>)
        [
            c.Index.ToString(CultureInfo.InvariantCulture) + (c.Index == report.Result.ChosenIndex ? " (chosen)" : ""),
            c.Stage,
            FitReport.Bytes(c.FlashBytes),
            FitReport.Bytes(c.RamBytes),
            FitReport.Percent(c.Score),
            c.Fits ? "yes" : "no",
            c.Description,
        ]).ToList(),
        report.Result.ChosenIndex);

    public static Table Layers(FitReport report) => new(
        ["layer", "op", "params", "nonzero", "sparsity", "bits", "encoding", "bytes", "MACs", SensitivityHeader(report)],
        report.Result.Layers.Select(l => (IReadOnlyList<string>)
        [
            l.Layer.Node,
            l.Layer.OpType,
            FitReport.Bytes(l.Layer.Parameters),
            FitReport.Bytes(l.NonZeros),
            FitReport.Percent(l.Sparsity),
            l.Option.Bits.ToString(CultureInfo.InvariantCulture),
            l.Encoding.ToLowerInvariant(),
            FitReport.Bytes(l.WeightBytes),
            FitReport.Bytes(l.Layer.Macs),
            l.SensitivityLoss is { } loss ? FitReport.Points(-100 * loss) : "-",
        ]).ToList());

    /// <summary>The sensitivity column gives the loss with the layer alone at the sweep's top unstructured sparsity.</summary>
    private static string SensitivityHeader(FitReport report) =>
        report.Result.Request.Sensitivity.Sparsities.Count > 0 && report.Result.Sensitivity is not null
            ? $"loss at {FitReport.Percent(report.Result.Request.Sensitivity.Sparsities.Max()).Replace(".00", "", StringComparison.Ordinal)} alone"
            : "sensitivity";

    /// <summary>Rows = layers, columns = the options swept; each cell the score with that layer alone compressed so.</summary>
    public static Table? Sensitivity(FitReport report)
    {
        if (report.Result.Sensitivity is not { } s || s.Layers.Count == 0)
        {
            return null;
        }

        var options = s.Layers.SelectMany(l => l.Entries.Select(e => e.Option)).Distinct().ToList();
        return new Table(
            ["layer", .. options.Select(o => o.ToString())],
            s.Layers.Select(l => (IReadOnlyList<string>)[l.Layer.Node, .. options.Select(o => l.ScoreOf(o) is { } v ? FitReport.Percent(v) : "-")]).ToList());
    }

    public static Table? Confusion(FitReport report)
    {
        if (report.Result.Confusion is not { } m)
        {
            return null;
        }

        int n = report.Classes;
        return new Table(
            ["true \\ predicted", .. Enumerable.Range(0, n).Select(i => i.ToString(CultureInfo.InvariantCulture))],
            Enumerable.Range(0, n).Select(t => (IReadOnlyList<string>)[t.ToString(CultureInfo.InvariantCulture), .. Enumerable.Range(0, n).Select(p => m[t, p].ToString(CultureInfo.InvariantCulture))]).ToList());
    }

    public static Table Timings(FitReport report) => new(
        ["stage", "seconds"],
        report.Result.Timings.Select(t => (IReadOnlyList<string>)[t.Stage, t.Seconds.ToString("0.0", CultureInfo.InvariantCulture)])
            .Append(["total", report.Result.Timings.Sum(t => t.Seconds).ToString("0.0", CultureInfo.InvariantCulture)]).ToList());

    /// <summary>The headline figures, one "name: value" each.</summary>
    public static IReadOnlyList<(string Name, string Value)> Summary(FitReport report)
    {
        var r = report.Result;
        var lines = new List<(string, string)>
        {
            ("model", report.ModelPath),
            ("device", $"{r.Request.Device.Name} ({r.Request.Device.DisplayName})"),
            ("status", report.Status),
            ("verdict", r.Reason),
        };
        if (r.FinalScore is { } final)
        {
            string word = report.MetricWord;
            lines.Add(($"original fp32 {word}", $"{FitReport.Percent(r.OriginalScore)} on {FitReport.Bytes(r.Request.Eval.Shape[0])} samples"));
            if (r.Narrowing is { } narrowing)
            {
                lines.Add(("structured removal", narrowing.Describe()));
            }

            lines.Add(($"{word} before recovery (integer executor)", FitReport.Percent(r.ScoreBeforeRecovery ?? final)));
            lines.Add(("recovery", r.Recovery));
            lines.Add(($"final {word} (integer executor)", $"{FitReport.Percent(final)} ({FitReport.Points(-r.DropPoints)})"));
            if (report.OrtQdqScore is { } ort)
            {
                lines.Add(($"final {word} (ONNX Runtime, QDQ model)", FitReport.Percent(ort)));
            }
        }

        lines.Add(("smallest reachable", $"{FitReport.Bytes(r.Smallest.FlashBytes)} flash bytes, {FitReport.Bytes(r.Smallest.RamBytes)} RAM bytes"));
        lines.AddRange(r.Suggestions.Select(s => ("instead", s)));
        return lines;
    }
}
