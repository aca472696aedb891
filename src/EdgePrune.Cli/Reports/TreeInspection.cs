using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgePrune.Cli.Formatting;
using EdgePrune.Compression.Trees;
using EdgePrune.Core.Devices;
using EdgePrune.Core.Inspection;
using EdgePrune.Core.Trees;
using EdgePrune.Export.Epb;

namespace EdgePrune.Cli.Reports;

/// <summary>
/// What <c>edgeprune inspect</c> says about a tree-ensemble model: its shape (trees, nodes, leaves, depth) and what it
/// costs in each deployable form (the ONNX file, the .epb, the C node tables). On a device, flash is the C tables (what
/// a microcontroller links) and RAM the feature and score buffers (the .epb arena; the C export uses the caller's).
/// </summary>
public sealed record TreeInspection(string Source, TreeEnsemble Ensemble, long OnnxBytes, EpbTreeExport Epb, long CTableBytes, DeviceFit? Device)
{
    public static TreeInspection Of(byte[] onnx, string source, DeviceProfile? device)
    {
        var ensemble = TreeEnsembleImporter.Load(onnx, source);
        var epb = EpbTreeWriter.Write(ensemble, new EpbWriteOptions { SourceModel = onnx });
        long tables = TreeModelSize.Of(ensemble).Bytes;
        var fit = device is null
            ? null
            : new DeviceFit(device, new BudgetUse("flash", tables, device.ModelFlashBudgetBytes), new BudgetUse("ram", epb.Report.ArenaBytes, device.ModelRamBudgetBytes), 0);
        return new TreeInspection(source, ensemble, onnx.Length, epb, tables, fit);
    }

    public string Text()
    {
        var e = Ensemble;
        var text = new StringBuilder();
        text.AppendLine(Invariant($"model: {Source} (tree ensemble, {e.Kind.ToString().ToLowerInvariant()}, {e.FeatureCount} features, {e.TargetCount} {(e.Kind == TreeEnsembleKind.Classifier ? "classes" : "targets")}, post-transform {e.PostTransform.ToString().ToUpperInvariant()})"));
        text.AppendLine(Invariant($"trees {e.Trees.Length}, nodes {e.NodeCount}, leaves {e.LeafCount}, depth {e.MaxDepth}"));
        text.AppendLine();
        var sizes = new TextTable(("form", false), ("bytes", true));
        sizes.AddRow("ONNX-ML file", HumanUnits.ExactBytes(OnnxBytes));
        sizes.AddRow(".epb file", HumanUnits.ExactBytes(Epb.Report.TotalBytes));
        sizes.AddRow(".epb trees section", HumanUnits.ExactBytes(EpbTreesSectionBytes));
        sizes.AddRow("C node tables", HumanUnits.ExactBytes(CTableBytes));
        text.Append(sizes);
        text.AppendLine(Invariant($".epb layout: {Epb.Layout}"));
        text.AppendLine(Invariant($"RAM: {HumanUnits.ExactBytes(Epb.Report.ArenaBytes)} bytes of feature and score buffers"));
        if (Device is { } fit)
        {
            text.AppendLine();
            text.AppendLine($"device: {fit.Device.Name} ({fit.Device.DisplayName})");
            text.AppendLine($"  flash: {InspectionText.BudgetLine(fit.Flash)}");
            text.AppendLine($"  ram:   {InspectionText.BudgetLine(fit.Ram)}");
            text.AppendLine("  (flash = the C node tables; ram = the feature and score buffers)");
            text.AppendLine($"  verdict: {(fit.Fits ? "fits" : "does not fit")}");
        }

        return text.ToString();
    }

    public string Json() => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["model"] = Source,
        ["kind"] = "tree-ensemble",
        ["task"] = Ensemble.Kind.ToString().ToLowerInvariant(),
        ["features"] = Ensemble.FeatureCount,
        ["outputs"] = Ensemble.TargetCount,
        ["trees"] = Ensemble.Trees.Length,
        ["nodes"] = Ensemble.NodeCount,
        ["leaves"] = Ensemble.LeafCount,
        ["depth"] = Ensemble.MaxDepth,
        ["onnx_bytes"] = OnnxBytes,
        ["epb_bytes"] = Epb.Report.TotalBytes,
        ["epb_trees_section_bytes"] = EpbTreesSectionBytes,
        ["c_table_bytes"] = CTableBytes,
        ["ram_bytes"] = Epb.Report.ArenaBytes,
        ["device"] = Device is null ? null : new Dictionary<string, object>
        {
            ["name"] = Device.Device.Name,
            ["flash_bytes"] = Device.Flash.UsedBytes,
            ["flash_budget_bytes"] = Device.Flash.BudgetBytes,
            ["ram_bytes"] = Device.Ram.UsedBytes,
            ["ram_budget_bytes"] = Device.Ram.BudgetBytes,
            ["fits"] = Device.Fits,
        },
    }, new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine;

    private long EpbTreesSectionBytes => Epb.Report.Sections.Single(s => s.Section == "trees").Bytes;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
