using System.Globalization;
using System.Text;
using EdgePrune.Core.Inspection;

namespace EdgePrune.Cli.Formatting;

/// <summary>The human-readable form of a <see cref="ModelReport"/>: a per-layer table, totals, and the device verdict.</summary>
public static class InspectionText
{
    public static string Format(ModelReport report)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"model: {report.Source} (graph '{report.GraphName}', opset {report.Opset}, {report.Layers.Count} nodes)"));
        var table = new TextTable(("#", true), ("op", false), ("name", false), ("output", false), ("params", true), ("MACs", true), ("weights", true), ("activations", true));
        foreach (var layer in report.Layers)
        {
            table.AddRow(
                layer.Index.ToString(CultureInfo.InvariantCulture),
                layer.OpType,
                layer.Name,
                string.Join("; ", layer.Outputs.Select(o => o.Type.ToString())),
                HumanUnits.Count(layer.Parameters),
                HumanUnits.Count(layer.Macs),
                HumanUnits.Bytes(layer.WeightBytes),
                HumanUnits.Bytes(layer.ActivationBytes));
        }

        table.AddRow("", "total", "", "", HumanUnits.Count(report.TotalParameters), HumanUnits.Count(report.TotalMacs), HumanUnits.Bytes(report.TotalWeightBytes), HumanUnits.Bytes(report.TotalActivationBytes));
        text.Append(table);
        text.AppendLine();
        string byType = report.WeightBytesByType.Count == 0
            ? "none"
            : string.Join(", ", report.WeightBytesByType.Select(kv => $"{kv.Key} {HumanUnits.Bytes(kv.Value)}"));
        text.AppendLine($"weights by type: {byType}");
        text.AppendLine($"peak RAM (activation arena): {HumanUnits.Bytes(report.PeakArenaBytes)} ({HumanUnits.ExactBytes(report.PeakArenaBytes)} bytes)");
        text.AppendLine("sizes and MACs take symbolic dimensions (such as a batch N) as 1");
        if (report.Device is { } fit)
        {
            text.AppendLine();
            text.AppendLine($"device: {fit.Device.Name} ({fit.Device.DisplayName})");
            text.AppendLine($"  flash: {BudgetLine(fit.Flash)}");
            text.AppendLine($"  ram:   {BudgetLine(fit.Ram)}");
            text.AppendLine($"  (flash = weights + {HumanUnits.ExactBytes(fit.RuntimeCodeBytes)} bytes runtime code estimate; ram = activation arena)");
            text.AppendLine($"  verdict: {(fit.Fits ? "fits" : "does not fit")}");
        }

        return text.ToString();
    }

    /// <summary>"407,080 bytes (397.5 KiB) of 32,256 bytes budget: over by 374,824 bytes (366.0 KiB), 12.62x the budget".</summary>
    internal static string BudgetLine(BudgetUse use)
    {
        string used = $"{HumanUnits.ExactBytes(use.UsedBytes)} bytes ({HumanUnits.Bytes(use.UsedBytes)}) of {HumanUnits.ExactBytes(use.BudgetBytes)} bytes budget";
        long margin = Math.Abs(use.HeadroomBytes);
        string factor = use.Factor.ToString(use.Factor >= 0.01 ? "0.00" : "0.####", CultureInfo.InvariantCulture) + "x the budget";
        return use.Fits
            ? $"{used}: fits, {HumanUnits.ExactBytes(margin)} bytes ({HumanUnits.Bytes(margin)}) to spare, {factor}"
            : $"{used}: over by {HumanUnits.ExactBytes(margin)} bytes ({HumanUnits.Bytes(margin)}), {factor}";
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
