using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgePrune.Cli.Formatting;
using EdgePrune.Core;
using EdgePrune.Core.IO;
using EdgePrune.Core.Trees;
using EdgePrune.Export.Epb;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// <c>edgeprune export MODEL --format epb -o OUT [--dense | --optimize size|speed] [--json]</c>: writes the compact binary and reports its bytes per
/// section and per weight tensor with the encoding chosen (docs/format.md).
/// <c>edgeprune export MODEL --format c -o DIR [--prefix NAME] [--device NAME] [--strict] [--calib FILE [--calib-samples N] [--bits 8|4]] [--embed-epb]</c>:
/// writes C source for the firmware-export runtime and its size report (docs/c-export.md); with <c>--embed-epb</c> the
/// source holds the .epb as a byte array run by the runtime's .epb interpreter instead of a generated call sequence.
/// Tree-ensemble models (ONNX-ML) take the same commands: epb writes the trees section, c the tree C export (docs/trees.md).
/// </summary>
public static class ExportCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Argument<string>("MODEL") { Description = "the .onnx model to export" };
        var format = new Option<string>("--format") { Description = "output format: epb (the compact binary for the EdgePrune runtime) or c (C source for the firmware-export runtime)", DefaultValueFactory = _ => "epb" };
        var output = new Option<string>("--output", "-o") { Description = "path of the file to write (epb) or of the directory to write into (c)", Required = true };
        var prefix = new Option<string>("--prefix") { Description = "c: name of the generated files (NAME_model.h/.c), function (NAME_invoke) and macros (NAME_...)", DefaultValueFactory = _ => "model" };
        var device = new Option<string?>("--device") { Description = "c: check the export against this device profile's model flash and RAM budgets (devices/*.json)" };
        var strict = new Option<bool>("--strict") { Description = "c: exit 3 when the export does not fit the --device budgets (default: a warning)" };
        var calib = new Option<string?>("--calib") { Description = "c: quantize to int8 first, calibrating on these inputs (.npy, .npz or IDX), as quantize --epb does" };
        var calibSamples = new Option<int>("--calib-samples") { Description = "c with --calib: calibration samples used (the first ones)", DefaultValueFactory = _ => 1000 };
        var bits = new Option<int>("--bits") { Description = "c with --calib: weight bits, 8 or 4 (int4 weights are stored packed, two per byte)", DefaultValueFactory = _ => 8 };
        var dense = new Option<bool>("--dense") { Description = "store every weight dense instead of choosing the smallest encoding" };
        var optimize = new Option<string>("--optimize") { Description = "among each weight's exact encodings: size (the smallest) or speed (the fewest Cortex-M4 instructions of those no larger than dense)", DefaultValueFactory = _ => "size" };
        optimize.AcceptOnlyFromAmong("size", "speed");
        var embedEpb = new Option<bool>("--embed-epb") { Description = "c: embed the .epb as a byte array run by the runtime's .epb interpreter (swap models without regenerating code) instead of generating a call sequence" };
        var json = new Option<bool>("--json") { Description = "print the size report as JSON (fields in docs/runtime.md)" };
        var command = new Command("export", "write a model in a deployable format and report what every section and weight costs")
        {
            model, format, output, dense, optimize, json, prefix, device, strict, calib, calibSamples, bits, embedEpb,
        };
        command.SetAction(parse => CommandRunner.Run(stderr, () => parse.GetValue(format) == "c"
            ? ExportCSource.Execute(
                new ExportCSource.Request(parse.GetRequiredValue(model), parse.GetRequiredValue(output), parse.GetValue(prefix)!, parse.GetValue(device), parse.GetValue(strict), parse.GetValue(calib), parse.GetValue(calibSamples), parse.GetValue(bits), parse.GetValue(dense), Goal(parse.GetValue(optimize)!)) { EmbedEpb = parse.GetValue(embedEpb) },
                stdout,
                stderr)
            : parse.GetValue(embedEpb)
                ? throw new EdgePruneException($"--embed-epb puts the .epb inside C source: use it with --format c (--format {parse.GetValue(format)} writes the .epb itself)")
                : Execute(parse.GetRequiredValue(model), parse.GetValue(format)!, parse.GetRequiredValue(output), parse.GetValue(dense), parse.GetValue(json), stdout, Goal(parse.GetValue(optimize)!))));
        return command;
    }

    private static EncodingGoal Goal(string optimize) => optimize == "speed" ? EncodingGoal.Speed : EncodingGoal.Size;

    public static int Execute(string modelPath, string format, string outputPath, bool dense, bool json, TextWriter stdout, EncodingGoal optimize = EncodingGoal.Size)
    {
        if (format != "epb")
        {
            throw new EdgePruneException($"--format {format}: not an available format; this build writes epb and c");
        }

        byte[] bytes = ModelFile.ReadBytes(modelPath);
        if (TreeEnsembleImporter.IsTreeModel(bytes))
        {
            return ExportTreeEpb(bytes, modelPath, outputPath, json, stdout);
        }

        var model = Core.Onnx.OnnxImporter.Load(bytes, modelPath);
        EpbExport export;
        try
        {
            export = EpbWriter.Write(model.Graph, new EpbWriteOptions { SourceModel = bytes, AllowSparse = !dense, Optimize = optimize });
        }
        catch (EdgePruneException e) when (!e.Message.StartsWith(modelPath, StringComparison.Ordinal))
        {
            throw new EdgePruneException($"{modelPath}: {e.Message}", e);
        }

        AtomicFile.WriteAllBytes(outputPath, export.Bytes);
        stdout.Write(json ? Json(export.Report, modelPath, outputPath) : Text(export.Report, modelPath, outputPath));
        return 0;
    }

    /// <summary>A tree-ensemble model: the .epb trees section (docs/format.md "Trees section") and its tables' bytes.</summary>
    private static int ExportTreeEpb(byte[] bytes, string modelPath, string outputPath, bool json, TextWriter stdout)
    {
        var ensemble = TreeEnsembleImporter.Load(bytes, modelPath);
        EpbTreeExport export;
        try
        {
            export = EpbTreeWriter.Write(ensemble, new EpbWriteOptions { SourceModel = bytes });
        }
        catch (EdgePruneException e)
        {
            throw new EdgePruneException($"{modelPath}: {e.Message}", e);
        }

        AtomicFile.WriteAllBytes(outputPath, export.Bytes);
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                model = modelPath,
                output = outputPath,
                format = "epb",
                total_bytes = export.Report.TotalBytes,
                arena_bytes = export.Report.ArenaBytes,
                layout = export.Layout,
                sections = export.Report.Sections.Select(s => new { section = s.Section, bytes = s.Bytes }),
                tree_tables = export.Tables.Select(t => new { table = t.Table, bytes = t.Bytes }),
            }, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"wrote {outputPath} from {modelPath}: {HumanUnits.ExactBytes(export.Report.TotalBytes)} bytes, tree ensemble ({export.Layout}), arena {HumanUnits.ExactBytes(export.Report.ArenaBytes)} bytes");
        text.AppendLine();
        var sections = new TextTable(("section", false), ("bytes", true));
        foreach (var s in export.Report.Sections)
        {
            sections.AddRow(s.Section, HumanUnits.ExactBytes(s.Bytes));
        }

        text.Append(sections);
        text.AppendLine();
        var tables = new TextTable(("trees table", false), ("bytes", true));
        foreach (var t in export.Tables)
        {
            tables.AddRow(t.Table, HumanUnits.ExactBytes(t.Bytes));
        }

        text.Append(tables);
        stdout.Write(text.ToString());
        return 0;
    }

    private static string Text(EpbReport report, string modelPath, string outputPath)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"wrote {outputPath} from {modelPath}: {HumanUnits.ExactBytes(report.TotalBytes)} bytes, {report.Nodes} ops, arena {HumanUnits.ExactBytes(report.ArenaBytes)} bytes");
        text.AppendLine();
        var sections = new TextTable(("section", false), ("bytes", true));
        foreach (var s in report.Sections)
        {
            sections.AddRow(s.Section, HumanUnits.ExactBytes(s.Bytes));
        }

        text.Append(sections);
        text.AppendLine();
        var weights = new TextTable(("layer", false), ("op", false), ("tensor", false), ("type", false), ("encoding", false), ("nonzero", true), ("bytes", true), ("dense bytes", true), ("ratio", true));
        foreach (var w in report.Weights)
        {
            weights.AddRow(w.Layer, w.Op, w.Tensor, w.DataType, w.Encoding, $"{w.Nonzeros}/{w.Elements}", HumanUnits.ExactBytes(w.Bytes), HumanUnits.ExactBytes(w.DenseBytes),
                (w.DenseBytes == 0 ? 1 : (double)w.Bytes / w.DenseBytes).ToString("0.000", CultureInfo.InvariantCulture));
        }

        text.Append(weights);
        return text.ToString();
    }

    private static string Json(EpbReport report, string modelPath, string outputPath)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("model", modelPath);
            json.WriteString("output", outputPath);
            json.WriteString("format", "epb");
            json.WriteNumber("total_bytes", report.TotalBytes);
            json.WriteNumber("arena_bytes", report.ArenaBytes);
            json.WriteNumber("ops", report.Nodes);
            json.WriteStartArray("sections");
            foreach (var s in report.Sections)
            {
                json.WriteStartObject();
                json.WriteString("section", s.Section);
                json.WriteNumber("bytes", s.Bytes);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("weights");
            foreach (var w in report.Weights)
            {
                json.WriteStartObject();
                json.WriteString("layer", w.Layer);
                json.WriteString("op", w.Op);
                json.WriteString("tensor", w.Tensor);
                json.WriteString("type", w.DataType);
                json.WriteString("encoding", w.Encoding);
                json.WriteNumber("nonzeros", w.Nonzeros);
                json.WriteNumber("elements", w.Elements);
                json.WriteNumber("bytes", w.Bytes);
                json.WriteNumber("dense_bytes", w.DenseBytes);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }
}
