using System.Globalization;
using EdgePrune.Compression.Quantization;
using EdgePrune.Compression.Trees;
using EdgePrune.Core;
using EdgePrune.Core.Data;
using EdgePrune.Core.Devices;
using EdgePrune.Core.IO;
using EdgePrune.Core.Onnx;
using EdgePrune.Core.Trees;
using EdgePrune.Export.C;
using EdgePrune.Export.Epb;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// The C branch of <c>edgeprune export</c>: an fp32 ONNX model as is, or quantized first (<c>--calib</c>) exactly as
/// <c>quantize --epb</c> builds its int8 .epb, then written by <see cref="CExporter"/> as NAME_model.h/.c plus NAME_size.md.
/// </summary>
public static class ExportCSource
{
    /// <summary>Exit code when <c>--strict</c> and the export does not fit the device's budgets.</summary>
    public const int DoesNotFit = 3;

    public sealed record Request(string Model, string OutputDirectory, string Prefix, string? Device, bool Strict, string? Calib, int CalibSamples, int Bits, bool Dense, EncodingGoal Optimize)
    {
        /// <summary>Embed the .epb for the runtime's interpreter (<see cref="EmbeddedEpbExporter"/>) instead of generating a call sequence.</summary>
        public bool EmbedEpb { get; init; }
    }

    public static int Execute(Request request, TextWriter stdout, TextWriter stderr)
    {
        if (request.Bits is not (8 or 4))
        {
            throw new EdgePruneException($"--bits {request.Bits}: the C export takes 8- or 4-bit weights");
        }

        if (request.Strict && request.Device is null)
        {
            throw new EdgePruneException("--strict checks the export against a device's budgets: pass --device NAME as well");
        }

        var device = request.Device is null ? null : DeviceProfiles.Load(request.Device);
        byte[] bytes = ModelFile.ReadBytes(request.Model);
        if (TreeEnsembleImporter.IsTreeModel(bytes))
        {
            if (request.EmbedEpb)
            {
                throw new EdgePruneException($"{request.Model}: --embed-epb runs networks; the .epb interpreter has no TreeEnsemble op (export the tree without --embed-epb)");
            }

            return ExportTree(request, bytes, device, stdout, stderr);
        }

        var graph = OnnxImporter.Load(bytes, request.Model).Graph;
        EpbQuantization? quantization = null;
        if (request.Calib is not null)
        {
            var calibration = CalibrationData.ForInput(graph, DataFiles.Load(request.Calib), request.Calib);
            var quantized = Quantizer.Quantize(graph, calibration, new QuantizationOptions { Calibration = new CalibrationOptions { MaxSamples = request.CalibSamples }, Weights = request.Bits == 4 ? WeightPrecision.Int4 : WeightPrecision.Int8 }, message => stderr.WriteLine("edgeprune: " + message));
            graph = quantized.Graph;
            quantization = EpbQuantizationBuilder.From(quantized, allowInt4: true);
        }
        else if (request.Bits != 8)
        {
            throw new EdgePruneException("--bits 4 quantizes the weights: pass --calib FILE with representative inputs as well");
        }

        CExport export;
        try
        {
            var options = new CExportOptions
            {
                Prefix = request.Prefix,
                Device = device,
                Epb = new EpbWriteOptions { SourceModel = bytes, Quantization = quantization, AllowSparse = !request.Dense, Optimize = request.Optimize },
            };
            export = request.EmbedEpb ? EmbeddedEpbExporter.Write(graph, options) : CExporter.Write(graph, options);
        }
        catch (EdgePruneException e) when (!e.Message.StartsWith(request.Model, StringComparison.Ordinal))
        {
            throw new EdgePruneException($"{request.Model}: {e.Message}", e);
        }

        WriteFiles(export, request.OutputDirectory);
        var r = export.Report;
        string wrote = $"wrote {export.HeaderFileName}, {export.SourceFileName} and {request.Prefix}_size.md to {request.OutputDirectory}: {(r.Int8 ? "int8" : "fp32")}";
        stdout.WriteLine(r.EmbeddedEpb is { } embedded
            ? string.Create(CultureInfo.InvariantCulture, $"{wrote} embedded .epb, flash {embedded.BlobBytes} bytes of .epb (weights {r.WeightBytes}) + {r.RuntimeCodeBytes} bytes of interpreter and kernels, RAM {r.RamBytes} bytes (arena {r.ArenaBytes}, work {embedded.WorkBytes})")
            : string.Create(CultureInfo.InvariantCulture, $"{wrote}, flash {r.ConstantBytes} bytes of constants (weights {r.WeightBytes}) + {r.RuntimeCodeBytes} bytes of runtime kernels, arena {r.ArenaBytes} bytes"));
        foreach (var l in r.Layers)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {l.Layer} {l.Tensor}: {l.DataType} {l.Encoding}, {l.WeightBytes} bytes (dense {l.DenseBytes}), parameters {l.ParameterBytes} bytes{(r.EmbeddedEpb is null ? "" : " in the work buffer")}"));
        }

        if (r.Budget is { Fits: false } b)
        {
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"edgeprune: {(request.Strict ? "error" : "warning")}: the export does not fit {b.Device}: flash {r.ConstantBytes + r.RuntimeCodeBytes} (constants and runtime code) of {b.FlashBudgetBytes} budget bytes, RAM {r.RamBytes} of {b.RamBudgetBytes} (see {Path.Combine(request.OutputDirectory, $"{request.Prefix}_size.md")})"));
            return request.Strict ? DoesNotFit : 0;
        }

        return 0;
    }

    /// <summary>A tree-ensemble model: <see cref="TreeCExporter"/>'s node arrays (if/else when leaves vote sparsely) as PREFIX.h / PREFIX.c.</summary>
    private static int ExportTree(Request request, byte[] bytes, DeviceProfile? device, TextWriter stdout, TextWriter stderr)
    {
        if (request.Calib is not null || request.Bits != 8)
        {
            throw new EdgePruneException($"{request.Model}: --calib and --bits quantize a network; a tree model is exported as it is (integer thresholds: `edgeprune tree export --features uint8`)");
        }

        var ensemble = TreeEnsembleImporter.Load(bytes, request.Model);
        // Node arrays need every leaf to vote once per class in order (all EdgePrune-trained trees); others get if/else.
        bool denseVotes = ensemble.Trees.All(t => t.Nodes.All(n => !n.IsLeaf || n.Weights.Select(w => w.Target).SequenceEqual(Enumerable.Range(0, ensemble.TargetCount))));
        var options = new CTreeOptions { Name = request.Prefix, Layout = denseVotes ? CTreeLayout.NodeArrays : CTreeLayout.IfElse };
        CTreeSource source;
        try
        {
            source = TreeCExporter.Generate(ensemble, options);
        }
        catch (EdgePruneException e)
        {
            throw new EdgePruneException($"{request.Model}: {e.Message}", e);
        }

        Directory.CreateDirectory(request.OutputDirectory);
        AtomicFile.WriteAllText(Path.Combine(request.OutputDirectory, source.HeaderFile), source.Header);
        AtomicFile.WriteAllText(Path.Combine(request.OutputDirectory, source.SourceFile), source.Source);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {source.HeaderFile} and {source.SourceFile} to {request.OutputDirectory}: tree ensemble ({ensemble.Trees.Length} trees, {ensemble.NodeCount} nodes, depth {ensemble.MaxDepth}), {(options.Layout == CTreeLayout.NodeArrays ? "node arrays" : "if/else")}, tables {source.TableBytes} bytes ({string.Join("; ", source.TableSizes)})"));
        if (device is not null && !source.FitsFlash(device))
        {
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"edgeprune: {(request.Strict ? "error" : "warning")}: the export does not fit {device.Name}: {source.TableBytes} table bytes of {device.ModelFlashBudgetBytes} model flash budget bytes"));
            return request.Strict ? DoesNotFit : 0;
        }

        return 0;
    }

    /// <summary>Writes NAME_model.h, NAME_model.c and NAME_size.md into <paramref name="directory"/> (created if missing).</summary>
    public static void WriteFiles(CExport export, string directory)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, export.HeaderFileName), export.Header);
        AtomicFile.WriteAllText(Path.Combine(directory, export.SourceFileName), export.Source);
        AtomicFile.WriteAllText(Path.Combine(directory, $"{export.Report.Prefix}_size.md"), export.Report.ToMarkdown());
    }
}
