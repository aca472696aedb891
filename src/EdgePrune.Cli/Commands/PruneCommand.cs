using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgePrune.Cli.Formatting;
using EdgePrune.Cli.Reports;
using EdgePrune.Compression.Pruning;
using EdgePrune.Compression.Pruning.Criteria;
using EdgePrune.Compression.Pruning.Schedules;
using EdgePrune.Compression.Pruning.Structured;
using EdgePrune.Core;
using EdgePrune.Core.Data;
using EdgePrune.Core.IO;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Training;
using EdgePrune.Training.Data;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// <c>edgeprune prune MODEL -o OUT.onnx --sparsity S [--pattern unstructured|2:4|1:4|4:8|block:RxC|channels|neurons]
/// [--criterion magnitude|wanda|sparsegpt|taylor] [--importance l2|l1|bn-gamma] [--calib X [--calib-samples N]] [--bias-correction]
/// [--scope layer|global|erk] [--schedule oneshot|gradual] [--eval X --labels Y] [--finetune EPOCHS --train X --train-labels Y [--lr LR] [--shift P] [--teacher T.onnx]]
/// [--json]</c>: zeroes weights of Gemm, MatMul and Conv by a criterion (or removes whole channels/neurons, shrinking the
/// tensors), optionally fine-tuned with the zeros pinned or pruned gradually during fine-tuning, with accuracy before
/// and after judged by ONNX Runtime.
/// </summary>
public static class PruneCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Argument<string>("MODEL") { Description = "the .onnx model to prune" };
        var output = new Option<string>("--output", "-o") { Description = "where to write the pruned .onnx model", Required = true };
        var sparsity = new Option<float?>("--sparsity") { Description = "fraction of weights (or blocks) to zero, in [0, 1); N:M patterns imply it" };
        var pattern = new Option<string>("--pattern") { Description = "unstructured, 2:4, 1:4, 4:8, block:RxC, channels (Conv output channels), neurons (Gemm/MatMul outputs) or layers (residual blocks)", DefaultValueFactory = _ => "unstructured" };
        var criterion = new Option<string>("--criterion") { Description = "magnitude, wanda (needs --calib), sparsegpt (needs --calib) or taylor (needs --train)", DefaultValueFactory = _ => "magnitude" };
        var importance = new Option<string>("--importance") { Description = "how channels/neurons are ranked: l2, l1 or bn-gamma", DefaultValueFactory = _ => "l2" };
        var calib = new Option<string?>("--calib") { Description = "calibration inputs for wanda, sparsegpt and --bias-correction" };
        var calibSamples = new Option<int>("--calib-samples") { Description = "use at most this many samples of --calib", DefaultValueFactory = _ => 512 };
        var biasCorrection = new Option<bool>("--bias-correction") { Description = "re-estimate biases from --calib so each output keeps its dense mean" };
        var schedule = new Option<string>("--schedule") { Description = "oneshot (prune, then --finetune) or gradual (Zhu & Gupta ramp during --finetune)", DefaultValueFactory = _ => "oneshot" };
        var scope = new Option<string>("--scope") { Description = "layer (same fraction per layer), global (one threshold, each layer keeps 2 %) or erk (Erdős–Rényi-kernel fractions: small layers keep more)", DefaultValueFactory = _ => "layer" };
        var eval = new Option<string?>("--eval") { Description = "evaluation inputs, to report accuracy before and after (ONNX Runtime)" };
        var labels = new Option<string?>("--labels") { Description = "class labels of --eval" };
        var finetune = new Option<int?>("--finetune") { Description = "epochs of fine-tuning with the pruned weights kept at zero" };
        var train = new Option<string?>("--train") { Description = "training inputs for --finetune" };
        var trainLabels = new Option<string?>("--train-labels") { Description = "class labels of --train" };
        var lr = new Option<float>("--lr") { Description = "peak learning rate of the fine-tuning (Adam, cosine)", DefaultValueFactory = _ => 1e-3f };
        var teacher = new Option<string?>("--teacher") { Description = "distil from this .onnx model (usually the dense original) while fine-tuning: loss 0.5·CE + 0.5·T²·KL, T = 4" };
        var shift = new Option<int>("--shift") { Description = "augment fine-tuning images with random shifts of up to this many pixels", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "print a JSON report instead of text" };
        var command = new Command("prune", "zero the least important weights of Gemm, MatMul and Conv (or remove whole channels/neurons), optionally fine-tune, and report per layer")
        {
            model, output, sparsity, pattern, criterion, importance, calib, calibSamples, biasCorrection, scope, schedule, eval, labels, finetune, train, trainLabels, lr, shift, teacher, json,
        };
        command.SetAction(parse => CommandRunner.Run(stderr, () =>
        {
            string patternText = parse.GetValue(pattern)!.Trim().ToLowerInvariant();
            StructuredUnit? unit = patternText switch
            {
                "channels" => StructuredUnit.Channels,
                "neurons" => StructuredUnit.Neurons,
                "layers" => StructuredUnit.Layers,
                _ => null,
            };
            var parsedPattern = unit is null ? SparsityPattern.Parse(patternText) : SparsityPattern.Unstructured;
            float s = unit is null ? ResolveSparsity(parse.GetValue(sparsity), parsedPattern)
                : parse.GetValue(sparsity) ?? throw new EdgePruneException($"--sparsity is required with pattern {patternText}: it is the fraction of {patternText} removed");
            var options = new PruningOptions { Sparsity = s, Pattern = parsedPattern, Scope = ParseScope(parse.GetValue(scope)!) };
            options.Validate();
            string criterionName = parse.GetValue(criterion)!.Trim().ToLowerInvariant();
            if (criterionName is not ("magnitude" or "wanda" or "sparsegpt" or "taylor"))
            {
                throw new EdgePruneException($"unknown --criterion '{parse.GetValue(criterion)}': use magnitude, wanda, sparsegpt or taylor");
            }

            var channelImportance = ParseImportance(parse.GetValue(importance)!);
            bool gradual = ParseSchedule(parse.GetValue(schedule)!);
            string? calibPath = parse.GetValue(calib);
            if (parse.GetValue(calibSamples) < 1)
            {
                throw new EdgePruneException($"--calib-samples must be at least 1 (got {parse.GetValue(calibSamples)})");
            }

            if (unit is not null && (criterionName != "magnitude" || gradual || parse.GetValue(biasCorrection)))
            {
                throw new EdgePruneException($"pattern {patternText} removes whole units ranked by --importance; --criterion, --schedule gradual and --bias-correction apply to weight patterns");
            }

            if (unit is null && parse.GetValue(importance) != "l2")
            {
                throw new EdgePruneException("--importance ranks channels or neurons; use it with --pattern channels or neurons (weights are ranked by --criterion)");
            }

            if ((criterionName is "wanda" or "sparsegpt" || parse.GetValue(biasCorrection)) && calibPath is null)
            {
                string who = criterionName is "wanda" or "sparsegpt" ? $"--criterion {criterionName}" : "--bias-correction";
                throw new EdgePruneException($"{who} needs --calib X: inputs (e.g. a few hundred training samples) the model is run on to measure its activations");
            }

            if (gradual && criterionName != "magnitude")
            {
                throw new EdgePruneException($"--schedule gradual prunes by magnitude at every step; drop --criterion {criterionName} or use --schedule oneshot");
            }

            string? evalPath = parse.GetValue(eval), labelsPath = parse.GetValue(labels);
            if ((evalPath is null) != (labelsPath is null))
            {
                throw new EdgePruneException("--eval and --labels go together: pass both the evaluation inputs and their labels");
            }

            int? epochs = parse.GetValue(finetune);
            string? trainPath = parse.GetValue(train), trainLabelsPath = parse.GetValue(trainLabels);
            if (epochs is { } e && (e < 1 || trainPath is null || trainLabelsPath is null || !(parse.GetValue(lr) > 0) || parse.GetValue(shift) < 0))
            {
                throw new EdgePruneException("--finetune needs at least 1 epoch, --train and --train-labels, a positive --lr and a --shift not negative");
            }

            string? teacherPath = parse.GetValue(teacher);
            if (teacherPath is not null && epochs is null)
            {
                throw new EdgePruneException("--teacher distils during fine-tuning: give --finetune EPOCHS with --train and --train-labels");
            }

            if (gradual && epochs is null)
            {
                throw new EdgePruneException("--schedule gradual prunes during fine-tuning: give --finetune EPOCHS with --train and --train-labels");
            }

            if (criterionName == "taylor" && (trainPath is null || trainLabelsPath is null))
            {
                throw new EdgePruneException("--criterion taylor needs labelled training data for its gradients: give --train and --train-labels");
            }

            string modelPath = parse.GetRequiredValue(model);
            var source = ModelFile.Load(modelPath);
            var calibration = calibPath is null ? null : LoadCalibration(calibPath, source.Graph, parse.GetValue(calibSamples));
            var teacherGraph = teacherPath is null ? null : ModelFile.Load(teacherPath).Graph;
            var trainData = trainPath is null || trainLabelsPath is null ? null : TrainCommand.LoadData(trainPath, trainLabelsPath);
            Action<EpochReport> progress = r => stderr.WriteLine($"edgeprune: fine-tuning epoch {r.Epoch}/{r.Epochs}: loss {r.Loss:F4}");
            var training = epochs is { } n ? new TrainingOptions { Epochs = n, LearningRate = parse.GetValue(lr), ShiftPixels = parse.GetValue(shift) } : null;
            if (unit is { } u)
            {
                return Structured(parse.GetValue(json), stdout, stderr, source, new StructuredOptions { Fraction = s, Unit = u, Importance = channelImportance },
                    parse.GetRequiredValue(output), training, trainData, teacherGraph, progress, evalPath, labelsPath);
            }

            IPruningCriterion weightCriterion = criterionName switch
            {
                "wanda" => new WandaCriterion(calibration!),
                "taylor" => new TaylorCriterion(trainData!),
                _ => MagnitudeCriterion.Instance,
            };
            PruningResult result;
            Graph pruned;
            if (gradual)
            {
                pruned = GradualPruning.Run(source.Graph, trainData!, training!, new GradualOptions { Pruning = options }, progress, teacher: teacherGraph).Graph;
                // The per-layer rows of the report; Recount below fills them with the nonzeros the schedule left.
                result = MagnitudePruner.Prune(source.Graph, options);
            }
            else
            {
                result = criterionName == "sparsegpt"
                    ? SparseGptPruner.Prune(source.Graph, options, calibration!)
                    : MagnitudePruner.Prune(source.Graph, options, weightCriterion);
                pruned = result.Graph;
                if (parse.GetValue(biasCorrection))
                {
                    pruned = BiasCorrection.Apply(source.Graph, pruned, calibration!);
                }

                if (training is not null)
                {
                    pruned = PruningRecovery.Finetune(pruned, trainData!, training, onEpoch: progress, teacher: teacherGraph).Graph;
                }
            }

            string outputPath = parse.GetRequiredValue(output);
            byte[] prunedBytes = OnnxExporter.ToBytes(source with { Graph = pruned });
            AtomicFile.WriteAllBytes(outputPath, prunedBytes);
            stderr.WriteLine($"edgeprune: wrote {outputPath}");

            (double Before, double After)? accuracy = null;
            if (evalPath is not null)
            {
                var test = TrainCommand.LoadData(evalPath, labelsPath);
                accuracy = (OrtAccuracy(OnnxExporter.ToBytes(source), source.Graph, test), OrtAccuracy(prunedBytes, pruned, test));
            }

            var report = result.Report with { Layers = Recount(result.Report.Layers, pruned) };
            var how = new Method(criterionName, gradual ? "gradual" : "oneshot", parse.GetValue(biasCorrection));
            stdout.Write(parse.GetValue(json) ? FormatJson(report, how, outputPath, epochs, accuracy) : FormatText(report, how, outputPath, epochs, accuracy));
            return 0;
        }));
        return command;
    }

    private sealed record Method(string Criterion, string Schedule, bool BiasCorrection);

    private static int Structured(bool json, TextWriter stdout, TextWriter stderr, Model source, StructuredOptions options, string outputPath,
        TrainingOptions? training, Dataset? trainData, Graph? teacher, Action<EpochReport> progress, string? evalPath, string? labelsPath)
    {
        var result = StructuredPruner.Prune(source.Graph, options);
        var pruned = training is null ? result.Graph : PruningRecovery.Finetune(result.Graph, trainData!, training, onEpoch: progress, teacher: teacher).Graph;
        byte[] prunedBytes = OnnxExporter.ToBytes(source with { Graph = pruned });
        AtomicFile.WriteAllBytes(outputPath, prunedBytes);
        stderr.WriteLine($"edgeprune: wrote {outputPath}");
        (double Before, double After)? accuracy = null;
        if (evalPath is not null)
        {
            var test = TrainCommand.LoadData(evalPath, labelsPath);
            accuracy = (OrtAccuracy(OnnxExporter.ToBytes(source), source.Graph, test), OrtAccuracy(prunedBytes, pruned, test));
        }

        stdout.Write(json ? FormatStructuredJson(result.Report, options, outputPath, training?.Epochs, accuracy) : FormatStructuredText(result.Report, options, outputPath, training?.Epochs, accuracy));
        return 0;
    }

    /// <summary>The first <paramref name="limit"/> samples of a data file, shaped for the model's input.</summary>
    private static EdgePrune.Core.Ir.Tensor LoadCalibration(string path, Graph graph, int limit)
    {
        var inputs = graph.Inputs.Where(i => !graph.Initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
        {
            throw new EdgePruneException($"--calib feeds a model with one input; this model has {inputs.Count}");
        }

        var data = ModelInputs.Fit(DataFiles.Load(path), inputs[0], path);
        int count = Math.Min(limit, data.Shape[0]);
        int[] shape = data.Shape.ToArray();
        int sample = data.ElementCount / shape[0];
        shape[0] = count;
        return EdgePrune.Core.Ir.Tensor.FromArray(data.ToFloatArray()[..(count * sample)], shape);
    }

    private static ChannelImportance ParseImportance(string text) => text.ToLowerInvariant() switch
    {
        "l2" => ChannelImportance.L2,
        "l1" => ChannelImportance.L1,
        "bn-gamma" => ChannelImportance.BatchNormScale,
        _ => throw new EdgePruneException($"unknown --importance '{text}': use l2, l1 or bn-gamma"),
    };

    private static bool ParseSchedule(string text) => text.ToLowerInvariant() switch
    {
        "oneshot" => false,
        "gradual" => true,
        _ => throw new EdgePruneException($"unknown --schedule '{text}': use oneshot or gradual"),
    };

    private static string FormatStructuredText(StructuredReport report, StructuredOptions options, string output, int? epochs, (double Before, double After)? accuracy)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        string unit = report.Unit.ToString().ToLowerInvariant();
        string tuned = epochs is { } e ? $", fine-tuned {e} epochs" : "";
        if (report.Unit == StructuredUnit.Layers)
        {
            text.AppendLine(inv, $"pruned {output}: {report.Groups.Count(g => g.ChannelsAfter == 0)} of {report.Groups.Count} identity residual blocks replaced by their skip{tuned}");
            foreach (var g in report.Groups.Where(g => g.ChannelsAfter == 0))
            {
                text.AppendLine(inv, $"  removed {g.Layers}");
            }
        }
        else
        {
            text.AppendLine(inv, $"pruned {output}: {options.Fraction:P0} of the {unit} of each group removed, ranked by {options.Importance}{tuned}");
            text.AppendLine(inv, $"{"before",7} {"after",7}  group");
            foreach (var g in report.Groups)
            {
                text.AppendLine(inv, $"{g.ChannelsBefore,7} {g.ChannelsAfter,7}  {g.Layers}");
            }
        }

        text.AppendLine(inv, $"parameters {report.ParametersBefore:N0} → {report.ParametersAfter:N0} ({1 - (double)report.ParametersAfter / report.ParametersBefore:P1} fewer)");
        text.AppendLine(inv, $"MACs       {report.MacsBefore:N0} → {report.MacsAfter:N0} ({1 - (double)report.MacsAfter / Math.Max(1, report.MacsBefore):P1} fewer)");
        AppendAccuracy(text, accuracy);

        return text.ToString();
    }

    private static string FormatStructuredJson(StructuredReport report, StructuredOptions options, string output, int? epochs, (double Before, double After)? accuracy)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("output", output);
            json.WriteString("pattern", report.Unit.ToString().ToLowerInvariant());
            json.WriteString("importance", options.Importance.ToString());
            json.WriteNumber("fraction", options.Fraction);
            if (epochs is { } e)
            {
                json.WriteNumber("finetune_epochs", e);
            }

            json.WriteNumber("parameters_before", report.ParametersBefore);
            json.WriteNumber("parameters_after", report.ParametersAfter);
            json.WriteNumber("macs_before", report.MacsBefore);
            json.WriteNumber("macs_after", report.MacsAfter);
            GroupPruningJson.Write(json, report.Groups);
            WriteAccuracy(json, accuracy);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }

    private static void AppendAccuracy(StringBuilder text, (double Before, double After)? accuracy)
    {
        if (accuracy is { } a)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"accuracy (ONNX Runtime): {a.Before:P2} before, {a.After:P2} after ({(a.After - a.Before) * 100:+0.00;-0.00} pt)");
        }
    }

    private static void WriteAccuracy(Utf8JsonWriter json, (double Before, double After)? accuracy)
    {
        if (accuracy is { } a)
        {
            json.WriteStartObject("accuracy");
            json.WriteNumber("before", Math.Round(a.Before, 6));
            json.WriteNumber("after", Math.Round(a.After, 6));
            json.WriteEndObject();
        }
    }

    private static float ResolveSparsity(float? requested, SparsityPattern pattern)
    {
        if (pattern.Kind == PatternKind.NOfM)
        {
            if (requested is { } r && Math.Abs(r - pattern.ImpliedSparsity) > 1e-6)
            {
                throw new EdgePruneException($"pattern {pattern} always gives sparsity {pattern.ImpliedSparsity}; drop --sparsity or pass {pattern.ImpliedSparsity}");
            }

            return pattern.ImpliedSparsity;
        }

        return requested ?? throw new EdgePruneException($"--sparsity is required with pattern {pattern}");
    }

    private static PruningScope ParseScope(string text) => text.ToLowerInvariant() switch
    {
        "layer" => PruningScope.Layer,
        "global" => PruningScope.Global,
        "erk" => PruningScope.Erk,
        _ => throw new EdgePruneException($"unknown --scope '{text}': use layer, global or erk"),
    };

    /// <summary>Fine-tuning never revives a zero but may leave a surviving weight at exactly zero; the report counts the written file.</summary>
    private static IReadOnlyList<LayerPruning> Recount(IReadOnlyList<LayerPruning> layers, Graph graph) =>
        layers.Select(l => l with { NonZeros = graph.Initializers[l.Weight].ToFloatArray().LongCount(v => v != 0f) }).ToList();

    /// <summary>Top-1 accuracy of an ONNX model in ONNX Runtime; the batch follows the model's first input (fixed or free).</summary>
    private static double OrtAccuracy(byte[] onnx, Graph graph, Dataset data)
    {
        var labels = data.Labels ?? throw new EdgePruneException($"{data.Source}: accuracy needs labels");
        if (graph.Inputs.Length != 1 || graph.Inputs[0].Type.Shape is not { Count: > 0 } shape || shape.Skip(1).Any(d => !d.IsKnown))
        {
            throw new EdgePruneException($"--eval needs a model with one input of known sample shape; '{graph.Name}' has {graph.Inputs.Length} inputs");
        }

        int[] sample = shape.Skip(1).Select(d => (int)d.Value!.Value).ToArray();
        if (sample.Aggregate(1, (p, d) => p * d) != data.SampleSize)
        {
            throw new EdgePruneException($"{data.Source}: samples of {data.SampleSize} values do not fit input '{graph.Inputs[0].Name}' of shape {EdgePrune.Core.Ir.Tensor.FormatShape(sample)} per sample");
        }

        var samples = EdgePrune.Core.Ir.Tensor.FromArray(data.Features, [data.Count, .. sample]);
        return OrtScore.Of(onnx, graph, samples, [.. labels.Select(l => (long)l)], reference: null);
    }

    private static string FormatText(PruningReport report, Method how, string output, int? epochs, (double Before, double After)? accuracy)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        string tuned = epochs is { } e ? $", fine-tuned {e} epochs" : "";
        string corrected = how.BiasCorrection ? ", biases corrected" : "";
        text.AppendLine(inv, $"pruned {output}: {report.Pattern}, {report.Scope.ToString().ToLowerInvariant()} scope, {how.Criterion}, {how.Schedule}{corrected}{tuned}");
        text.AppendLine(inv, $"{"layer",-28} {"weight",-20} {"params",10} {"nonzero",10} {"sparsity",9} {"bytes before",13} {"bytes after",12}");
        foreach (var l in report.Layers)
        {
            text.AppendLine(inv, $"{l.Node,-28} {l.Weight,-20} {l.Parameters,10} {l.NonZeros,10} {l.Sparsity,9:P1} {l.BytesBefore,13} {l.BytesAfter,12}");
        }

        text.AppendLine(inv, $"{"total",-28} {"",-20} {report.Parameters,10} {report.NonZeros,10} {report.Sparsity,9:P1} {report.BytesBefore,13} {report.BytesAfter,12}");
        AppendAccuracy(text, accuracy);

        return text.ToString();
    }

    private static string FormatJson(PruningReport report, Method how, string output, int? epochs, (double Before, double After)? accuracy)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("output", output);
            json.WriteString("pattern", report.Pattern.ToString());
            json.WriteString("scope", report.Scope.ToString().ToLowerInvariant());
            json.WriteString("criterion", how.Criterion);
            json.WriteString("schedule", how.Schedule);
            json.WriteBoolean("bias_correction", how.BiasCorrection);
            if (epochs is { } e)
            {
                json.WriteNumber("finetune_epochs", e);
            }

            json.WriteNumber("parameters", report.Parameters);
            json.WriteNumber("nonzeros", report.NonZeros);
            json.WriteNumber("sparsity", Math.Round(report.Sparsity, 6));
            json.WriteNumber("bytes_before", report.BytesBefore);
            json.WriteNumber("bytes_after", report.BytesAfter);
            json.WriteStartArray("layers");
            foreach (var l in report.Layers)
            {
                json.WriteStartObject();
                json.WriteString("node", l.Node);
                json.WriteString("weight", l.Weight);
                json.WriteNumber("parameters", l.Parameters);
                json.WriteNumber("nonzeros", l.NonZeros);
                json.WriteNumber("sparsity", Math.Round(l.Sparsity, 6));
                json.WriteNumber("bytes_before", l.BytesBefore);
                json.WriteNumber("bytes_after", l.BytesAfter);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            WriteAccuracy(json, accuracy);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }
}
