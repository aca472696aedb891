using System.CommandLine;
using EdgePrune.Cli.Formatting;
using EdgePrune.Core.Devices;
using EdgePrune.Core.Inspection;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// <c>edgeprune inspect MODEL [--device NAME] [--json]</c>: per-layer cost, totals, peak RAM, and the fit on a device; for a
/// tree-ensemble model, its trees, nodes, depth and bytes as ONNX, .epb and C tables (<see cref="Reports.TreeInspection"/>).
/// </summary>
public static class InspectCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Argument<string>("MODEL") { Description = "the .onnx model to inspect" };
        var device = new Option<string?>("--device") { Description = "device profile name (see devices/) or path to a profile .json; adds flash/RAM budget lines and a verdict" };
        var json = new Option<bool>("--json") { Description = "print JSON (fields documented in docs/cli.md) instead of a table" };
        var command = new Command("inspect", "show a model's parameters, MACs, weight and activation bytes per layer, its peak RAM, and whether it fits a device")
        {
            model, device, json,
        };
        command.SetAction(parse => CommandRunner.Run(stderr, () =>
            Execute(parse.GetRequiredValue(model), parse.GetValue(device), parse.GetValue(json), stdout)));
        return command;
    }

    public static int Execute(string modelPath, string? deviceName, bool json, TextWriter stdout)
    {
        var device = deviceName is null ? null : DeviceProfiles.Load(deviceName);
        byte[] bytes = ModelFile.ReadBytes(modelPath);
        if (Core.Trees.TreeEnsembleImporter.IsTreeModel(bytes))
        {
            var trees = Reports.TreeInspection.Of(bytes, modelPath, device);
            stdout.Write(json ? trees.Json() : trees.Text());
            return 0;
        }

        var report = ModelInspector.Inspect(Core.Onnx.OnnxImporter.Load(bytes, modelPath), modelPath, device);
        stdout.Write(json ? InspectionJson.Format(report) : InspectionText.Format(report));
        return 0;
    }
}
