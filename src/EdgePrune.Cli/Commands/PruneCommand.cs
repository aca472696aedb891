using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgePrune.Compression.Pruning;
using EdgePrune.Core;
using EdgePrune.Core.Data;
using EdgePrune.Core.IO;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Training;
using EdgePrune.Training.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// <c>edgeprune prune MODEL -o OUT.onnx --sparsity S [--pattern unstructured|2:4|1:4|4:8|block:RxC] [--scope layer|global]
/// [--eval X --labels Y] [--finetune EPOCHS --train X --train-labels Y [--lr LR] [--shift P]] [--json]</c>: magnitude pruning of Gemm, MatMul and
/// Conv weights, optionally fine-tuned with the zeros pinned, with accuracy before and after judged by ONNX Runtime.
/// </summary>
public static class PruneCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Argument<string>("MODEL") { Description = "the .onnx model to prune" };
        var output = new Option<string>("--output", "-o") { Description = "where to write the pruned .onnx model", Required = true };
        var sparsity = new Option<float?>("--sparsity") { Description = "fraction of weights (or blocks) to zero, in [0, 1); N:M patterns imply it" };
        var pattern = new Option<string>("--pattern") { Description = "unstructured, 2:4, 1:4, 4:8 or block:RxC", DefaultValueFactory = _ => "unstructured" };
        var scope = new Option<string>("--scope") { Description = "layer (same fraction per layer) or global (one threshold, each layer keeps 2 %)", DefaultValueFactory = _ => "layer" };
        var eval = new Option<string?>("--eval") { Description = "evaluation inputs, to report accuracy before and after (ONNX Runtime)" };
        var labels = new Option<string?>("--labels") { Description = "class labels of --eval" };
        var finetune = new Option<int?>("--finetune") { Description = "epochs of fine-tuning with the pruned weights kept at zero" };
        var train = new Option<string?>("--train") { Description = "training inputs for --finetune" };
        var trainLabels = new Option<string?>("--train-labels") { Description = "class labels of --train" };
        var lr = new Option<float>("--lr") { Description = "peak learning rate of the fine-tuning (Adam, cosine)", DefaultValueFactory = _ => 1e-3f };
        var shift = new Option<int>("--shift") { Description = "augment fine-tuning images with random shifts of up to this many pixels", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "print a JSON report instead of text" };
        var command = new Command("prune", "zero the smallest weights of Gemm, MatMul and Conv, optionally fine-tune, and report per layer")
        {
            model, output, sparsity, pattern, scope, eval, labels, finetune, train, trainLabels, lr, shift, json,
        };
        command.SetAction(parse => CommandRunner.Run(stderr, () =>
        {
            var parsedPattern = SparsityPattern.Parse(parse.GetValue(pattern)!);
            float s = ResolveSparsity(parse.GetValue(sparsity), parsedPattern);
            var options = new PruningOptions { Sparsity = s, Pattern = parsedPattern, Scope = ParseScope(parse.GetValue(scope)!) };
            options.Validate();
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

            string modelPath = parse.GetRequiredValue(model);
            var source = ModelFile.Load(modelPath);
            var result = MagnitudePruner.Prune(source.Graph, options);
            var pruned = result.Graph;
            if (epochs is { } n)
            {
                var data = TrainCommand.LoadData(trainPath!, trainLabelsPath);
                var training = new TrainingOptions { Epochs = n, LearningRate = parse.GetValue(lr), ShiftPixels = parse.GetValue(shift) };
                var tuned = PruningRecovery.Finetune(pruned, data, training,
                    onEpoch: r => stderr.WriteLine($"edgeprune: fine-tuning epoch {r.Epoch}/{r.Epochs}: loss {r.Loss:F4}"));
                pruned = tuned.Graph;
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
            stdout.Write(parse.GetValue(json) ? FormatJson(report, outputPath, epochs, accuracy) : FormatText(report, outputPath, epochs, accuracy));
            return 0;
        }));
        return command;
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
        _ => throw new EdgePruneException($"unknown --scope '{text}': use layer or global"),
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

        int step = shape[0].IsKnown ? (int)shape[0].Value!.Value : 256;
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        using var session = new InferenceSession(onnx, options);
        string input = graph.Inputs[0].Name, outputName = graph.Outputs[0].Name;
        int correct = 0;
        for (int start = 0; start < data.Count; start += step)
        {
            int count = Math.Min(step, data.Count - start);
            var buffer = new float[step * data.SampleSize];
            data.Features.AsSpan(start * data.SampleSize, count * data.SampleSize).CopyTo(buffer);
            var feed = NamedOnnxValue.CreateFromTensor(input, new DenseTensor<float>(buffer, [step, .. sample]));
            using var results = session.Run([feed], [outputName]);
            var logits = results[0].AsTensor<float>().ToArray();
            int classes = logits.Length / step;
            for (int i = 0; i < count; i++)
            {
                correct += System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.AsSpan(i * classes, classes)) == labels[start + i] ? 1 : 0;
            }
        }

        return (double)correct / data.Count;
    }

    private static string FormatText(PruningReport report, string output, int? epochs, (double Before, double After)? accuracy)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        string tuned = epochs is { } e ? $", fine-tuned {e} epochs" : "";
        text.AppendLine(inv, $"pruned {output}: {report.Pattern}, {report.Scope.ToString().ToLowerInvariant()} scope{tuned}");
        text.AppendLine(inv, $"{"layer",-28} {"weight",-20} {"params",10} {"nonzero",10} {"sparsity",9} {"bytes before",13} {"bytes after",12}");
        foreach (var l in report.Layers)
        {
            text.AppendLine(inv, $"{l.Node,-28} {l.Weight,-20} {l.Parameters,10} {l.NonZeros,10} {l.Sparsity,9:P1} {l.BytesBefore,13} {l.BytesAfter,12}");
        }

        text.AppendLine(inv, $"{"total",-28} {"",-20} {report.Parameters,10} {report.NonZeros,10} {report.Sparsity,9:P1} {report.BytesBefore,13} {report.BytesAfter,12}");
        if (accuracy is { } a)
        {
            text.AppendLine(inv, $"accuracy (ONNX Runtime): {a.Before:P2} before, {a.After:P2} after ({(a.After - a.Before) * 100:+0.00;-0.00} pt)");
        }

        return text.ToString();
    }

    private static string FormatJson(PruningReport report, string output, int? epochs, (double Before, double After)? accuracy)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("output", output);
            json.WriteString("pattern", report.Pattern.ToString());
            json.WriteString("scope", report.Scope.ToString().ToLowerInvariant());
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
            if (accuracy is { } a)
            {
                json.WriteStartObject("accuracy");
                json.WriteNumber("before", Math.Round(a.Before, 6));
                json.WriteNumber("after", Math.Round(a.After, 6));
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }
}
