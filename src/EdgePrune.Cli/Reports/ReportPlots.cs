using EdgePrune.Compression.Pruning;
using ScottPlot;

namespace EdgePrune.Cli.Reports;

/// <summary>The report's plots, drawn by ScottPlot as SVG (text measured by its SkiaSharp backend, shipped as a NuGet native asset).</summary>
public static class ReportPlots
{
    private const int Width = 720;
    private const int Height = 400;

    /// <summary>Score (search subset) against flash bytes of every candidate tried, the chosen one marked, the budget and the original's score as lines.</summary>
    public static string Pareto(FitReport report)
    {
        var r = report.Result;
        var plot = new Plot();
        var others = r.Candidates.Where(c => c.Index != r.ChosenIndex).ToList();
        if (others.Count > 0)
        {
            var tried = plot.Add.ScatterPoints(others.Select(c => c.FlashBytes / 1024.0).ToArray(), others.Select(c => 100 * c.Score).ToArray());
            tried.MarkerSize = 9;
            tried.LegendText = "candidates tried";
        }

        if (r.ChosenIndex is { } chosenIndex)
        {
            var c = r.Candidates[chosenIndex];
            var chosen = plot.Add.Marker(c.FlashBytes / 1024.0, 100 * c.Score, MarkerShape.FilledDiamond, 16, Colors.Red);
            chosen.LegendText = "chosen";
        }

        var budget = plot.Add.VerticalLine(r.Request.Budget.FlashBytes / 1024.0, 2, Colors.DarkOrange);
        budget.LegendText = "flash budget";
        if (r.FinalScore is not null)
        {
            var original = plot.Add.HorizontalLine(100 * r.OriginalScore, 1, Colors.Gray);
            original.LegendText = "original fp32";
        }

        plot.Title("Candidates: accuracy vs size");
        plot.XLabel("flash (KiB, .epb + runtime code)");
        plot.YLabel($"{report.MetricWord} (%)");
        plot.ShowLegend(Alignment.LowerRight);
        return plot.GetSvgXml(Width, Height);
    }

    /// <summary>Per layer, the score against unstructured sparsity (int8 thick with circles, int4 thin with squares), each layer alone compressed.</summary>
    public static string? Sensitivity(FitReport report)
    {
        if (report.Result.Sensitivity is not { } s || s.Layers.All(l => l.Entries.Count == 0))
        {
            return null;
        }

        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int index = 0;
        foreach (var layer in s.Layers)
        {
            var color = palette.GetColor(index++);
            foreach (int bits in new[] { 8, 4 })
            {
                var points = layer.Entries.Where(e => e.Option.Bits == bits && e.Option.Pattern.Kind == PatternKind.Unstructured)
                    .Select(e => (X: 100.0 * e.Option.Sparsity, Y: 100 * e.Score)).ToList();
                if (bits == 8)
                {
                    points.Insert(0, (0, 100 * s.Baseline));
                }
                else if (layer.ScoreOf(new Compression.Sensitivity.LayerOption(SparsityPattern.Unstructured, 0f, 4)) is null)
                {
                    continue;
                }

                if (points.Count == 0)
                {
                    continue;
                }

                points.Sort((a, b) => a.X.CompareTo(b.X));
                var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray(), color);
                line.LegendText = $"{layer.Layer.Node} int{bits}";
                // Dashes would be clearer, but Skia's SVG canvas drops path effects and prints a warning on stdout; int4 gets a thinner line and square markers instead.
                line.LineWidth = bits == 8 ? 2 : 1;
                line.MarkerShape = bits == 8 ? MarkerShape.FilledCircle : MarkerShape.FilledSquare;
                line.MarkerSize = 6;
            }
        }

        plot.Title("Sensitivity: each layer alone pruned (before recovery)");
        plot.XLabel("sparsity of the layer (%)");
        plot.YLabel($"{report.MetricWord} (%)");
        plot.ShowLegend(Alignment.LowerLeft);
        return plot.GetSvgXml(Width, Height);
    }
}
