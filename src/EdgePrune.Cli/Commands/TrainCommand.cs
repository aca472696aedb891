using System.CommandLine;
using System.Text.Json;
using EdgePrune.Core;
using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Training;
using EdgePrune.Training.Architectures;
using EdgePrune.Training.Data;
using Spectre.Console;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// <c>edgeprune train --arch NAME --train X --labels Y -o OUT.onnx</c>: trains a built-in architecture from scratch.
/// Also holds the run loop <see cref="FinetuneCommand"/> shares: progress, Ctrl+C, the atomic write and the summary.
/// </summary>
public static class TrainCommand
{
    /// <summary>Exit code of a run stopped by Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var arch = new Option<string>("--arch") { Description = $"architecture to build: {string.Join(", ", Architecture.Names)}", Required = true };
        var common = new CommonOptions(defaultEpochs: 10, defaultLearningRate: 1e-3f);
        var command = new Command("train", "train a built-in architecture on labelled data and write it as ONNX") { arch };
        common.AddTo(command, labelsRequired: true);
        command.SetAction(parse => CommandRunner.Run(stderr, () =>
        {
            var options = common.Read(parse);
            var train = LoadData(parse.GetRequiredValue(common.Train), parse.GetValue(common.Labels));
            string name = parse.GetRequiredValue(arch);
            int classes = (train.Labels ?? []).DefaultIfEmpty(0).Max() + 1;
            var graph = Architecture.Build(name, train.SampleShape, Math.Max(classes, 2), options.Seed);
            return Run(new Model { Graph = graph }, null, train, options, parse.GetValue(common.Validation), parse.GetRequiredValue(common.Output),
                parse.GetValue(common.Json), maskZeros: false, stdout, stderr, ("arch", name));
        }));
        return command;
    }

    /// <summary>Loads samples and optional labels with <see cref="DataFiles.Load"/>; problems become one-line errors.</summary>
    public static Dataset LoadData(string samplesPath, string? labelsPath)
    {
        var samples = DataFiles.Load(samplesPath);
        var labels = labelsPath is null ? null : DataFiles.Load(labelsPath);
        return Dataset.FromTensors(samples, labels, samplesPath);
    }

    /// <summary>Trains, reports progress, and writes <paramref name="outputPath"/> only when the run finished.</summary>
    public static int Run(Model model, Graph? teacher, Dataset data, TrainingOptions options, float validationFraction, string outputPath, bool json,
        bool maskZeros, TextWriter stdout, TextWriter stderr, (string Key, string Value) label)
    {
        Dataset train = data, validation = null!;
        bool hasValidation = validationFraction > 0;
        if (hasValidation)
        {
            (train, validation) = data.Split(validationFraction, options.Seed);
        }

        var trainer = new Trainer(model.Graph, options, teacher);
        long pinned = maskZeros ? trainer.KeepZerosAsMasks() : 0;
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        TrainingResult result;
        try
        {
            bool interactive = !json && ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            result = interactive
                ? RunWithProgress(trainer, train, hasValidation ? validation : null, options, cancel.Token)
                : trainer.Fit(train, hasValidation ? validation : null, json ? null : e => stdout.WriteLine(FormatEpoch(e)), cancel: cancel.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        if (result.Cancelled)
        {
            stderr.WriteLine($"edgeprune: interrupted after {result.Epochs.Count} complete epoch(s); {outputPath} was not written");
            return Interrupted;
        }

        OnnxExporter.Save(model with { Graph = result.Graph }, outputPath);
        var last = result.Epochs.LastOrDefault();
        if (json)
        {
            stdout.WriteLine(Json(result, outputPath, pinned, label));
        }
        else
        {
            stdout.WriteLine($"wrote {outputPath}: {result.Epochs.Count} epochs, {result.SamplesPerSecond:F0} samples/s"
                + (last?.ValidationAccuracy is { } v ? $", validation accuracy {v:P2}" : "")
                + (maskZeros ? $", {pinned} pruned weights kept at zero" : ""));
        }

        return 0;
    }

    private static TrainingResult RunWithProgress(Trainer trainer, Dataset train, Dataset? validation, TrainingOptions options, CancellationToken cancel)
    {
        TrainingResult? result = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("training", maxValue: options.Epochs);
                result = trainer.Fit(train, validation,
                    onEpoch: e => AnsiConsole.MarkupLine(Markup.Escape(FormatEpoch(e))),
                    onStep: s =>
                    {
                        task.Value = s.Epoch - 1 + (double)s.Step / s.StepsPerEpoch;
                        task.Description = $"epoch {s.Epoch}/{options.Epochs} loss {s.Loss:F4}";
                    },
                    cancel: cancel);
            });
        return result!;
    }

    private static string FormatEpoch(EpochReport e) =>
        $"epoch {e.Epoch}/{e.Epochs}: loss {e.Loss:F4}"
        + (e.TrainAccuracy is { } t ? $", train accuracy {t:P2}" : "")
        + (e.ValidationAccuracy is { } v ? $", validation accuracy {v:P2}" : "")
        + $", {e.SamplesPerSecond:F0} samples/s";

    private static string Json(TrainingResult result, string outputPath, long pinned, (string Key, string Value) label)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("output", outputPath);
            json.WriteString(label.Key, label.Value);
            json.WriteNumber("samples_per_second", Math.Round(result.SamplesPerSecond, 1));
            json.WriteNumber("masked_weights", pinned);
            json.WriteStartArray("epochs");
            foreach (var e in result.Epochs)
            {
                json.WriteStartObject();
                json.WriteNumber("epoch", e.Epoch);
                json.WriteNumber("loss", e.Loss);
                WriteOptional(json, "train_accuracy", e.TrainAccuracy);
                WriteOptional(json, "validation_accuracy", e.ValidationAccuracy);
                json.WriteNumber("samples_per_second", Math.Round(e.SamplesPerSecond, 1));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, float? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    /// <summary>The options train and finetune share.</summary>
    public sealed class CommonOptions(int defaultEpochs, float defaultLearningRate)
    {
        public Option<string> Train { get; } = new("--train") { Description = "training samples (.npy, .npz, .csv or IDX; uint8 images are scaled to [0, 1])", Required = true };

        public Option<string?> Labels { get; } = new("--labels") { Description = "class index per sample (same formats)" };

        public Option<int> Epochs { get; } = new("--epochs") { Description = "passes over the training data", DefaultValueFactory = _ => defaultEpochs };

        public Option<float> LearningRate { get; } = new("--lr") { Description = "peak learning rate", DefaultValueFactory = _ => defaultLearningRate };

        public Option<int> Batch { get; } = new("--batch") { Description = "samples per step", DefaultValueFactory = _ => 64 };

        public Option<int> Seed { get; } = new("--seed") { Description = "seeds initial weights, sample order, augmentation and dropout", DefaultValueFactory = _ => 0 };

        public Option<OptimizerKind> Optimizer { get; } = new("--optimizer") { Description = "sgd, adam or adamw", DefaultValueFactory = _ => OptimizerKind.Adam };

        public Option<ScheduleKind> Schedule { get; } = new("--schedule") { Description = "constant, cosine, step or onecycle", DefaultValueFactory = _ => ScheduleKind.Cosine };

        public Option<int> Warmup { get; } = new("--warmup") { Description = "steps of linear learning-rate warm-up", DefaultValueFactory = _ => 0 };

        public Option<float> WeightDecay { get; } = new("--weight-decay") { Description = "L2 (sgd, adam) or decoupled (adamw) weight decay", DefaultValueFactory = _ => 0f };

        public Option<float?> ClipNorm { get; } = new("--clip-norm") { Description = "clip gradients to this global L2 norm" };

        public Option<int> Shift { get; } = new("--shift") { Description = "augment images with random shifts of up to this many pixels", DefaultValueFactory = _ => 0 };

        public Option<float> Validation { get; } = new("--validation") { Description = "fraction of the data held out to report validation accuracy (0 = none)", DefaultValueFactory = _ => 0f };

        public Option<string> Output { get; } = new("--output", "-o") { Description = "where to write the trained .onnx model", Required = true };

        public Option<bool> Json { get; } = new("--json") { Description = "print a JSON summary instead of text" };

        public void AddTo(Command command, bool labelsRequired)
        {
            Labels.Required = labelsRequired;
            foreach (var option in new Option[] { Train, Labels, Epochs, LearningRate, Batch, Seed, Optimizer, Schedule, Warmup, WeightDecay, ClipNorm, Shift, Validation, Output, Json })
            {
                command.Options.Add(option);
            }
        }

        public TrainingOptions Read(ParseResult parse)
        {
            int epochs = parse.GetValue(Epochs), batch = parse.GetValue(Batch);
            float lr = parse.GetValue(LearningRate), validation = parse.GetValue(Validation);
            if (epochs < 1 || batch < 1 || !(lr > 0) || validation < 0 || validation >= 1 || parse.GetValue(Shift) < 0)
            {
                throw new EdgePruneException("--epochs and --batch must be at least 1, --lr positive, --shift not negative and --validation in [0, 1)");
            }

            return new TrainingOptions
            {
                Epochs = epochs,
                BatchSize = batch,
                LearningRate = lr,
                Seed = parse.GetValue(Seed),
                Optimizer = parse.GetValue(Optimizer),
                Schedule = parse.GetValue(Schedule),
                WarmupSteps = parse.GetValue(Warmup),
                WeightDecay = parse.GetValue(WeightDecay),
                ClipNorm = parse.GetValue(ClipNorm),
                ShiftPixels = parse.GetValue(Shift),
            };
        }
    }
}
