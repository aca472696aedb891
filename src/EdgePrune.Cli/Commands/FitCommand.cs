using System.CommandLine;
using System.Globalization;
using EdgePrune.Cli.Reports;
using EdgePrune.Compression.Fitting;
using EdgePrune.Compression.Pruning;
using EdgePrune.Compression.Sensitivity;
using EdgePrune.Compression.Quantization;
using EdgePrune.Core;
using EdgePrune.Core.Data;
using EdgePrune.Core.Devices;
using EdgePrune.Core.IO;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Core.Trees;
using EdgePrune.Export.C;
using EdgePrune.Training;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// <c>edgeprune fit MODEL --device NAME --eval X [--labels Y] [--calib X] [--train X [--train-labels Y]] [--max-drop PT | --min-accuracy A]
/// [--time-budget 10m] -o OUTDIR</c>: the compression that fits the device with the least loss (<see cref="FitSearch"/>), written as
/// model.onnx (QDQ), model.epb, c/ (the C export of model.epb), model-fp32.onnx and report.{html,md,json}. Exit 0 fitted, 3 cannot fit (or below the
/// floor), 2 bad input. A tree model (ONNX-ML tree ensemble) goes to <see cref="FitTreeModel"/> instead. docs/fit.md.
/// </summary>
public static class FitCommand
{
    /// <summary>Exit code when no compression fits the device at the floor.</summary>
    public const int CannotFit = 3;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Argument<string>("MODEL") { Description = "the fp32 .onnx model" };
        var device = new Option<string>("--device") { Description = "device profile name (see devices/) or path to a profile .json", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "directory to write model.onnx, model.epb, c/, model-fp32.onnx and report.{html,md,json} into", Required = true };
        var data = new DataOptions();
        var maxDrop = new Option<double?>("--max-drop") { Description = "floor: at most this many percentage points below the original (default 0.5)" };
        var minAccuracy = new Option<double?>("--min-accuracy") { Description = "floor: at least this accuracy (or agreement without labels), a fraction such as 0.97; wins over --max-drop" };
        var timeBudget = new Option<string?>("--time-budget") { Description = "wall time for the whole fit, e.g. 90s, 10m, 1h; when spent, the most compressed candidate is taken" };
        var flashBudget = new Option<long?>("--flash-budget") { Description = "model flash budget in bytes instead of the device profile's (e.g. to leave room for the application)" };
        var ramBudget = new Option<long?>("--ram-budget") { Description = "model RAM budget in bytes instead of the device profile's" };
        var searchSamples = new Option<int>("--search-samples") { Description = "evaluation samples the sensitivity sweep and the search score candidates on (the first ones)", DefaultValueFactory = _ => 500 };
        var epochs = new Option<int>("--epochs") { Description = "recovery epochs (fine-tuning or distillation) of the chosen candidate, with --train", DefaultValueFactory = _ => 3 };
        var lr = new Option<float>("--lr") { Description = "peak learning rate of the recovery (Adam, cosine)", DefaultValueFactory = _ => 5e-4f };
        var shift = new Option<int>("--shift") { Description = "augment recovery images with random shifts of up to this many pixels", DefaultValueFactory = _ => 0 };
        var sparsities = new Option<string>("--sparsities") { Description = "unstructured sparsities each layer may take, comma-separated", DefaultValueFactory = _ => "0.5,0.7,0.8,0.9,0.95,0.98" };
        var sweep = new Option<bool>("--sensitivity") { Description = "run the per-layer sensitivity sweep even when the int8 model fits without pruning (for the report)" };
        var nOfM = new Option<string>("--nm") { Description = "N:M patterns each layer may take, comma-separated (2:4, 1:4, 4:8), or none", DefaultValueFactory = _ => "2:4,1:4" };
        var structured = new Option<string>("--structured")
        {
            Description = "fractions of channels/neurons the fit may remove, tried in order when the model cannot fit otherwise (comma-separated), or none",
            DefaultValueFactory = _ => "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9",
        };
        var command = new Command("fit", "shrink a model (channels/neurons, per-layer sparsity, int8/int4) until it fits a device at an accuracy floor, and write it with a report")
        {
            model, device, output, maxDrop, minAccuracy, timeBudget, flashBudget, ramBudget, searchSamples, epochs, lr, shift, sparsities, nOfM, structured, sweep,
        };
        data.AddTo(command, withTrain: true);
        command.SetAction(parse => CommandRunner.Run(stderr, () =>
        {
            string modelPath = parse.GetRequiredValue(model);
            string outDir = parse.GetRequiredValue(output);
            byte[] modelBytes = ModelFile.ReadBytes(modelPath);
            if (TreeEnsembleImporter.IsTreeModel(modelBytes))
            {
                return FitTreeModel.Run(
                    new TreeFitArguments(modelPath, parse.GetRequiredValue(device), outDir, parse.GetRequiredValue(data.Eval), parse.GetValue(data.Labels),
                        parse.GetValue(data.Train), parse.GetValue(data.TrainLabels), new FitFloor(parse.GetValue(maxDrop) ?? 0.5, parse.GetValue(minAccuracy)), parse.GetValue(flashBudget), ReproduceCommand(parse.Tokens.Select(t => t.Value))),
                    modelBytes, stdout, stderr);
            }

            var inputs = data.Load(parse, modelPath, withTrain: true);
            var floor = new FitFloor(parse.GetValue(maxDrop) ?? 0.5, parse.GetValue(minAccuracy));
            floor.Validate();
            int samples = parse.GetValue(searchSamples), recoveryEpochs = parse.GetValue(epochs);
            if (samples < 1 || recoveryEpochs < 1 || !(parse.GetValue(lr) > 0) || parse.GetValue(shift) < 0)
            {
                throw new EdgePruneException("--search-samples and --epochs must be at least 1, --lr positive and --shift not negative");
            }

            var profile = DeviceProfiles.Load(parse.GetRequiredValue(device));
            var request = new FitRequest
            {
                Model = inputs.Model.Graph,
                Device = profile,
                Budget = DataOptions.Budget(profile, parse.GetValue(flashBudget), parse.GetValue(ramBudget)),
                Eval = inputs.Eval,
                Labels = inputs.Labels,
                Calibration = inputs.Calibration,
                Train = inputs.Train,
                Recovery = new TrainingOptions { Epochs = recoveryEpochs, LearningRate = parse.GetValue(lr), ShiftPixels = parse.GetValue(shift) },
                Floor = floor,
                TimeBudget = ParseDuration(parse.GetValue(timeBudget)),
                SearchSamples = samples,
                Sensitivity = ParseSweep(parse.GetValue(sparsities)!, parse.GetValue(nOfM)!),
                AlwaysSweep = parse.GetValue(sweep),
                StructuredFractions = ParseStructured(parse.GetValue(structured)!),
                SourceBytes = inputs.Bytes,
            };
            var result = StageProgress.Run(stdout, stderr, report => FitSearch.Run(request, report));
            return Finish("fit", modelPath, outDir, inputs, result, ReproduceCommand(parse.Tokens.Select(t => t.Value)), stdout, stderr);
        }));
        return command;
    }

    /// <summary>Writes the model files (when fitted) and the three report pages, prints the verdict, and returns the exit code.</summary>
    public static int Finish(string command, string modelPath, string outDir, DataOptions.Loaded inputs, FitResult result, string reproduce, TextWriter stdout, TextWriter stderr)
    {
        if (result.Status == FitStatus.CannotFit && result.Final is null)
        {
            stderr.WriteLine($"edgeprune: cannot fit {result.Request.Device.Name}: {result.Reason}");
            foreach (var suggestion in result.Suggestions)
            {
                stderr.WriteLine($"edgeprune: instead: {suggestion}");
            }

            return CannotFit;
        }

        Directory.CreateDirectory(outDir);
        var files = new List<string>();
        double? ortScore = null;
        var qdq = QdqExporter.ToModel(result.Final!) with { Metadata = inputs.Model.Metadata, IrVersion = Math.Max(8, inputs.Model.IrVersion) };
        byte[] qdqBytes = OnnxExporter.ToBytes(qdq);
        if (result.Status == FitStatus.Fitted)
        {
            Write(outDir, "model.onnx", qdqBytes, files);
            Write(outDir, "model.epb", result.Epb!.Bytes, files);
            // The C export of the very program in model.epb, checked against the same device.
            var c = CExporter.FromEpb(result.Epb, new CExportOptions { Prefix = "model", Device = result.Request.Device });
            ExportCSource.WriteFiles(c, Path.Combine(outDir, "c"));
            files.AddRange(["c/" + c.HeaderFileName, "c/" + c.SourceFileName, $"c/{c.Report.Prefix}_size.md"]);
            if (command == "fit")
            {
                Write(outDir, "model-fp32.onnx", OnnxExporter.ToBytes(inputs.Model with { Graph = result.FinalGraph! }), files);
            }
        }

        ortScore = OrtScore.Of(qdqBytes, result.Final!.Graph, result.Request.Eval, result.Request.Labels, result.Metric == Compression.Sensitivity.ScoreMetric.Accuracy ? null : OrtScore.Predictions(inputs.Bytes, inputs.Model.Graph, result.Request.Eval));
        files.AddRange(["report.html", "report.md", "report.json"]);
        var commands = new List<string> { reproduce };
        if (command == "fit" && result.Status == FitStatus.Fitted)
        {
            commands.Add($"edgeprune verify {Quote(Path.Combine(outDir, "model.epb"))} --onnx {Quote(Path.Combine(outDir, "model.onnx"))}");
        }

        var report = new FitReport(command, modelPath, result, ortScore, files, commands);
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.html"), FitReportHtml.Write(report));
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), FitReportMarkdown.Write(report));
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.json"), FitReportJson.Write(report));
        stdout.WriteLine(result.Reason);
        if (result.FinalScore is not null)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{report.MetricWord}: {FitReport.Percent(result.FinalScore.Value)} integer executor, {(ortScore is { } o ? FitReport.Percent(o) : "-")} ONNX Runtime (QDQ), {FitReport.Percent(result.OriginalScore)} original; recovery: {result.Recovery}"));
        }

        foreach (var suggestion in result.Suggestions)
        {
            stdout.WriteLine($"instead: {suggestion}");
        }

        stdout.WriteLine($"wrote {string.Join(", ", files.Select(f => Path.Combine(outDir, f)))}");
        return result.Status == FitStatus.Fitted ? 0 : CannotFit;
    }

    private static void Write(string dir, string name, byte[] bytes, List<string> files)
    {
        AtomicFile.WriteAllBytes(Path.Combine(dir, name), bytes);
        files.Add(name);
    }

    public static SensitivityOptions ParseSweep(string sparsities, string nOfM)
    {
        var levels = new List<float>();
        foreach (string part in sparsities.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            levels.Add(float.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out float s) && s > 0 && s < 1
                ? s
                : throw new EdgePruneException($"--sparsities: '{part}' is not a fraction in (0, 1); pass e.g. 0.5,0.9,0.98"));
        }

        var patterns = nOfM.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)
            ? []
            : nOfM.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(SparsityPattern.Parse).ToList();
        if (patterns.Any(p => p.Kind != PatternKind.NOfM))
        {
            throw new EdgePruneException($"--nm takes N:M patterns (2:4, 1:4, 4:8) or none; got '{nOfM}'");
        }

        if (levels.Count == 0 && patterns.Count == 0)
        {
            throw new EdgePruneException("--sparsities and --nm leave no sparsity to try: pass at least one of them");
        }

        return new SensitivityOptions { Sparsities = levels.Distinct().Order().ToList(), NOfM = patterns };
    }

    /// <summary>"0.2,0.5" (fractions in (0, 1), tried in the order given) or "none".</summary>
    public static IReadOnlyList<float> ParseStructured(string text) =>
        text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)
            ? []
            : text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(part => float.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) && f > 0 && f < 1
                    ? f
                    : throw new EdgePruneException($"--structured: '{part}' is not a fraction in (0, 1); pass e.g. 0.2,0.5 or none"))
                .ToList();

    /// <summary>"90s", "10m", "1h", "1h30m" or plain seconds.</summary>
    public static TimeSpan? ParseDuration(string? text)
    {
        if (text is null)
        {
            return null;
        }

        string rest = text.Trim().ToLowerInvariant();
        if (double.TryParse(rest, NumberStyles.Float, CultureInfo.InvariantCulture, out double plain) && plain >= 0)
        {
            return TimeSpan.FromSeconds(plain);
        }

        var match = System.Text.RegularExpressions.Regex.Match(rest, @"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$");
        if (rest.Length == 0 || !match.Success)
        {
            throw new EdgePruneException($"--time-budget '{text}' is not a duration: use e.g. 90s, 10m, 1h or 1h30m");
        }

        double Part(int group) => match.Groups[group].Success ? double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        return TimeSpan.FromHours(Part(1)) + TimeSpan.FromMinutes(Part(2)) + TimeSpan.FromSeconds(Part(3));
    }

    public static string ReproduceCommand(IEnumerable<string> tokens) => "edgeprune " + string.Join(" ", tokens.Select(Quote));

    private static string Quote(string token) => token.Length > 0 && token.All(c => char.IsLetterOrDigit(c) || "-_./=:,+".Contains(c)) ? token : "'" + token.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
