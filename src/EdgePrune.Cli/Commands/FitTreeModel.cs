using System.Globalization;
using EdgePrune.Cli.Reports;
using EdgePrune.Compression.Fitting;
using EdgePrune.Compression.Trees;
using EdgePrune.Core;
using EdgePrune.Core.Data;
using EdgePrune.Core.Devices;
using EdgePrune.Core.IO;
using EdgePrune.Core.Trees;
using EdgePrune.Training.Trees;

namespace EdgePrune.Cli.Commands;

/// <summary>What <c>edgeprune fit</c> was given, for a tree model.</summary>
public sealed record TreeFitArguments(string ModelPath, string Device, string OutDir, string Eval, string? Labels, string? Train, string? TrainLabels, FitFloor Floor, long? FlashBudget, string Reproduce);

/// <summary>
/// <c>edgeprune fit TREE.onnx --device NAME --eval X --labels Y [--train X --train-labels Y] [--max-drop PT | --min-accuracy A]
/// [--flash-budget B] -o DIR</c>: the least-pruned tree or forest whose C node tables fit the device (<see cref="TreeFitSearch"/>),
/// written as model.onnx, c/ and report.{md,json}. Exit 0 fitted, 3 nothing fits at the floor, 2 bad input. docs/fit.md.
/// </summary>
public static class FitTreeModel
{
    public static int Run(TreeFitArguments args, byte[] modelBytes, TextWriter stdout, TextWriter stderr)
    {
        var model = TreeEnsembleImporter.Load(modelBytes, args.ModelPath);
        if (model.Kind != TreeEnsembleKind.Classifier || model.HasStringLabels)
        {
            throw new EdgePruneException($"{args.ModelPath}: fitting a tree model needs a classifier with integer labels");
        }

        if (args.Labels is null)
        {
            throw new EdgePruneException("--labels is required for a tree model: its pruning is judged by accuracy on --eval");
        }

        if ((args.Train is null) != (args.TrainLabels is null))
        {
            throw new EdgePruneException("for a tree model, --train and --train-labels go together (the training set's class counts define the pruning path)");
        }

        args.Floor.Validate();
        var profile = DeviceProfiles.Load(args.Device);
        var request = new TreeFitRequest
        {
            Model = model,
            Device = profile,
            FlashBudgetBytes = args.FlashBudget is { } b ? (b > 0 ? b : throw new EdgePruneException("--flash-budget is a byte count above 0")) : profile.ModelFlashBudgetBytes,
            Eval = Load(args.Eval, args.Labels, model),
            Statistics = args.Train is null ? null : Load(args.Train, args.TrainLabels!, model),
            Floor = args.Floor,
        };
        var result = TreeFitSearch.Run(request);
        if (result.Status == FitStatus.CannotFit)
        {
            stderr.WriteLine($"edgeprune: cannot fit {profile.Name}: {result.Reason}");
            foreach (var suggestion in result.Suggestions)
            {
                stderr.WriteLine($"edgeprune: instead: {suggestion}");
            }

            return FitCommand.CannotFit;
        }

        Directory.CreateDirectory(args.OutDir);
        var files = new List<string>();
        if (result.Status == FitStatus.Fitted)
        {
            AtomicFile.WriteAllBytes(Path.Combine(args.OutDir, "model.onnx"), TreeEnsembleExporter.ToBytes(result.Fitted!));
            string c = Path.Combine(args.OutDir, "c");
            Directory.CreateDirectory(c);
            AtomicFile.WriteAllText(Path.Combine(c, result.Source!.HeaderFile), result.Source.Header);
            AtomicFile.WriteAllText(Path.Combine(c, result.Source.SourceFile), result.Source.Source);
            files.AddRange(["model.onnx", "c/" + result.Source.HeaderFile, "c/" + result.Source.SourceFile]);
        }

        files.AddRange(["report.md", "report.json"]);
        AtomicFile.WriteAllText(Path.Combine(args.OutDir, "report.md"), TreeFitReport.Markdown(args.ModelPath, result, args.Reproduce));
        AtomicFile.WriteAllText(Path.Combine(args.OutDir, "report.json"), TreeFitReport.Json(args.ModelPath, result, args.Reproduce));
        stdout.WriteLine(result.Reason);
        foreach (var suggestion in result.Suggestions)
        {
            stdout.WriteLine($"instead: {suggestion}");
        }

        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {string.Join(", ", files.Select(f => Path.Combine(args.OutDir, f)))}"));
        return result.Status == FitStatus.Fitted ? 0 : FitCommand.CannotFit;
    }

    private static TreeDataset Load(string features, string labels, TreeEnsemble model)
    {
        var data = TreeDataset.ForClassification(DataFiles.Load(features), DataFiles.Load(labels), features, labels, model.Int64Labels);
        if (data.FeatureCount != model.FeatureCount)
        {
            throw new EdgePruneException($"{features}: samples have {data.FeatureCount} features but the model reads {model.FeatureCount}");
        }

        return data;
    }
}
