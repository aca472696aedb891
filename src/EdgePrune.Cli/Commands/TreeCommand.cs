using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgePrune.Compression.Trees;
using EdgePrune.Core;
using EdgePrune.Core.Data;
using EdgePrune.Core.Devices;
using EdgePrune.Core.IO;
using EdgePrune.Core.Trees;
using EdgePrune.Training.Trees;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// <c>edgeprune tree train | prune | export</c>: decision trees and random forests as ONNX-ML models (docs/trees.md).
/// </summary>
public static class TreeCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create(TextWriter stdout, TextWriter stderr) =>
        new("tree", "train, prune and export decision trees and random forests (ONNX-ML TreeEnsembleClassifier/Regressor)")
        {
            Train(stdout, stderr), Prune(stdout, stderr), Export(stdout, stderr),
        };

    private static Command Train(TextWriter stdout, TextWriter stderr)
    {
        var train = new Option<string>("--train") { Description = "training features (.npy/.npz/IDX/CSV; samples on the first axis, images are flattened)", Required = true };
        var labels = new Option<string>("--labels") { Description = "integer class labels, one per sample", Required = true };
        var forest = new Option<int?>("--forest") { Description = "train a random forest of N trees (bootstrap, √features per split) instead of one tree" };
        var growth = new GrowthOptions();
        var seed = new Option<int>("--seed") { Description = "random seed (forests)", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("-o", "--output") { Description = "the .onnx file to write", Required = true };
        var json = new Option<bool>("--json") { Description = "print JSON instead of text" };
        var command = new Command("train", "train a CART tree or random forest classifier and save it as ONNX-ML")
        {
            train, labels, forest, seed, output, json,
        };
        growth.AddTo(command);
        command.SetAction(p => CommandRunner.Run(stderr, () =>
        {
            var data = LoadData(p.GetRequiredValue(train), p.GetRequiredValue(labels), null);
            var options = growth.Parse(p) with { Seed = p.GetValue(seed) };
            var clock = Stopwatch.StartNew();
            var model = p.GetValue(forest) is int trees
                ? CartTrainer.TrainForest(data, new ForestOptions { TreeCount = trees, Tree = options, Seed = p.GetValue(seed) })
                : CartTrainer.Train(data, options);
            double seconds = clock.Elapsed.TotalSeconds;
            string path = p.GetRequiredValue(output);
            TreeEnsembleExporter.Save(model, path);
            var size = TreeModelSize.Of(model);
            double accuracy = CostComplexityPruner.Accuracy(model, data);
            if (p.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new { output = path, size.Trees, size.Nodes, size.Leaves, size.Depth, size.Bytes, train_accuracy = accuracy, seconds }, Json));
            }
            else
            {
                stdout.WriteLine($"trained {Describe(size)} on {data.Rows} samples x {data.FeatureCount} features in {seconds:F2} s");
                stdout.WriteLine($"training accuracy {accuracy:P2}; wrote {path}");
            }

            return 0;
        }));
        return command;
    }

    private static Command Prune(TextWriter stdout, TextWriter stderr)
    {
        var model = new Argument<string>("MODEL") { Description = "an ONNX-ML tree model (.onnx)" };
        var eval = new Option<string>("--eval") { Description = "evaluation features; they choose what to prune and measure accuracy", Required = true };
        var labels = new Option<string>("--labels") { Description = "integer class labels of the evaluation samples", Required = true };
        var method = new Option<string>("--method") { Description = "ccp (cost-complexity), rep (reduced-error) or drop (drop forest trees)", DefaultValueFactory = _ => "ccp" };
        var cv = new Option<int>("--cv") { Description = "folds for choosing α (ccp)", DefaultValueFactory = _ => 5 };
        var repeats = new Option<int>("--repeats") { Description = "repeat the k-fold cross-validation on this many shuffles and average (ccp)", DefaultValueFactory = _ => 1 };
        var oneSe = new Option<bool>("--one-se") { Description = "pick the smallest tree within one standard error of the best (ccp)" };
        var train = new Option<string?>("--train") { Description = "the training features of the tree (ccp): statistics and α come from them, with trees regrown as the growth options say; --eval then only measures" };
        var trainLabels = new Option<string?>("--train-labels") { Description = "class labels of --train" };
        var seed = new Option<int>("--seed") { Description = "seed of the first cross-validation shuffle (ccp; repeats use the next ones) and of the reduced-error halves", DefaultValueFactory = _ => 0 };
        var growth = new GrowthOptions();
        var output = new Option<string>("-o", "--output") { Description = "the pruned .onnx file to write", Required = true };
        var json = new Option<bool>("--json") { Description = "print JSON instead of text" };
        var command = new Command("prune", "prune a tree model: cost-complexity (α path, chosen by cross-validation), reduced-error, or dropping forest trees")
        {
            model, eval, labels, method, cv, repeats, oneSe, train, trainLabels, seed, output, json,
        };
        growth.AddTo(command);
        command.SetAction(p => CommandRunner.Run(stderr, () =>
        {
            string modelPath = p.GetRequiredValue(model);
            var ensemble = TreeEnsembleImporter.Load(modelPath);
            if (ensemble.Kind != TreeEnsembleKind.Classifier || ensemble.HasStringLabels)
            {
                throw new EdgePruneException($"{modelPath}: pruning needs a classifier with integer labels");
            }

            var data = LoadData(p.GetRequiredValue(eval), p.GetRequiredValue(labels), ensemble.Int64Labels);
            if (data.FeatureCount != ensemble.FeatureCount)
            {
                throw new EdgePruneException($"{p.GetRequiredValue(eval)}: samples have {data.FeatureCount} features but the model reads {ensemble.FeatureCount}");
            }

            var how = p.GetValue(method) switch
            {
                "ccp" => TreePruneMethod.CostComplexity,
                "rep" => TreePruneMethod.ReducedError,
                "drop" => TreePruneMethod.DropTrees,
                var other => throw new EdgePruneException($"--method must be ccp, rep or drop, not '{other}'"),
            };
            if ((p.GetValue(train) is null) != (p.GetValue(trainLabels) is null))
            {
                throw new EdgePruneException("--train and --train-labels go together");
            }

            if (p.GetValue(train) is not null && how != TreePruneMethod.CostComplexity)
            {
                throw new EdgePruneException("--train is for --method ccp (reduced-error pruning and tree dropping decide on --eval)");
            }

            var trainData = p.GetValue(train) is string trainPath ? LoadData(trainPath, p.GetValue(trainLabels)!, ensemble.Int64Labels) : null;
            if (trainData is not null && trainData.FeatureCount != ensemble.FeatureCount)
            {
                throw new EdgePruneException($"{p.GetValue(train)}: samples have {trainData.FeatureCount} features but the model reads {ensemble.FeatureCount}");
            }

            var options = new TreePruneOptions { Folds = p.GetValue(cv), Repeats = p.GetValue(repeats), OneStandardError = p.GetValue(oneSe), Seed = p.GetValue(seed), Train = trainData, Growth = growth.Parse(p) };
            var result = TreeModelPruner.Prune(ensemble, data, how, options);
            string path = p.GetRequiredValue(output);
            TreeEnsembleExporter.Save(result.Pruned, path);
            stdout.Write(p.GetValue(json) ? PruneJson(result, path) : PruneText(result, path));
            return 0;
        }));
        return command;
    }

    private static Command Export(TextWriter stdout, TextWriter stderr)
    {
        var model = new Argument<string>("MODEL") { Description = "an ONNX-ML tree model (.onnx)" };
        var format = new Option<string>("--format") { Description = "c (C99 source and header)", DefaultValueFactory = _ => "c" };
        var output = new Option<string>("-o", "--output") { Description = "directory for the generated files", Required = true };
        var device = new Option<string?>("--device") { Description = "device profile name or .json path; checks the tables against its flash budget" };
        var layout = new Option<string>("--layout") { Description = "arrays (node tables, narrow indices) or ifelse (nested if/else)", DefaultValueFactory = _ => "arrays" };
        var features = new Option<string>("--features") { Description = "float, uint8, int8 or int16 feature input; integer types get integer thresholds", DefaultValueFactory = _ => "float" };
        var name = new Option<string>("--name") { Description = "C identifier prefix and file stem", DefaultValueFactory = _ => "tree_model" };
        var json = new Option<bool>("--json") { Description = "print JSON instead of text" };
        var command = new Command("export", "generate C99 for a tree model (no malloc) and report its size against a device")
        {
            model, format, output, device, layout, features, name, json,
        };
        command.SetAction(p => CommandRunner.Run(stderr, () =>
        {
            if (p.GetValue(format) != "c")
            {
                throw new EdgePruneException($"--format must be c, not '{p.GetValue(format)}' (for the .epb trees section, run `edgeprune export MODEL --format epb -o OUT.epb`)");
            }

            var ensemble = TreeEnsembleImporter.Load(p.GetRequiredValue(model));
            var (featureType, min, max) = p.GetValue(features) switch
            {
                "float" => (CFeatureType.Float, 0, 0),
                "uint8" => (CFeatureType.UInt8, 0, 255),
                "int8" => (CFeatureType.Int8, -128, 127),
                "int16" => (CFeatureType.Int16, -32768, 32767),
                var other => throw new EdgePruneException($"--features must be float, uint8, int8 or int16, not '{other}'"),
            };
            if (featureType != CFeatureType.Float)
            {
                ensemble = ThresholdQuantizer.ForIntegerFeatures(ensemble, min, max);
            }

            var options = new CTreeOptions
            {
                Name = p.GetValue(name)!,
                FeatureType = featureType,
                Layout = p.GetValue(layout) switch
                {
                    "arrays" => CTreeLayout.NodeArrays,
                    "ifelse" => CTreeLayout.IfElse,
                    var other => throw new EdgePruneException($"--layout must be arrays or ifelse, not '{other}'"),
                },
            };
            var source = TreeCExporter.Generate(ensemble, options);
            string dir = p.GetRequiredValue(output);
            Directory.CreateDirectory(dir);
            AtomicFile.WriteAllText(Path.Combine(dir, source.HeaderFile), source.Header);
            AtomicFile.WriteAllText(Path.Combine(dir, source.SourceFile), source.Source);
            var profile = p.GetValue(device) is string d ? DeviceProfiles.Load(d) : null;
            if (p.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new
                {
                    files = new[] { Path.Combine(dir, source.HeaderFile), Path.Combine(dir, source.SourceFile) },
                    layout = options.Layout.ToString(),
                    table_bytes = source.TableBytes,
                    tables = source.TableSizes,
                    device = profile?.Name,
                    flash_budget_bytes = profile?.ModelFlashBudgetBytes,
                    fits = profile is null ? (bool?)null : source.FitsFlash(profile),
                }, Json));
            }
            else
            {
                stdout.WriteLine($"wrote {Path.Combine(dir, source.HeaderFile)} and {Path.Combine(dir, source.SourceFile)} ({options.Layout}, {featureType} features)");
                stdout.WriteLine(options.Layout == CTreeLayout.NodeArrays
                    ? $"tables: {source.TableBytes} bytes ({string.Join("; ", source.TableSizes)})"
                    : $"code size depends on the compiler; the node-array layout would take {source.TableBytes} bytes of tables");
                if (profile is not null)
                {
                    stdout.WriteLine($"{profile.Name}: {source.TableBytes} of {profile.ModelFlashBudgetBytes} model flash bytes ({100.0 * source.TableBytes / profile.ModelFlashBudgetBytes:F1}%): {(source.FitsFlash(profile) ? "fits" : "DOES NOT FIT")}");
                }
            }

            return 0;
        }));
        return command;
    }

    /// <summary>The CART growth limits <c>tree train</c> takes, and <c>tree prune --train</c> regrows its cross-validation trees with.</summary>
    private sealed class GrowthOptions
    {
        private readonly Option<int?> _maxDepth = new("--max-depth") { Description = "deepest a leaf may sit (default: grow until pure)" };
        private readonly Option<int> _minLeaf = new("--min-samples-leaf") { Description = "fewest samples per leaf", DefaultValueFactory = _ => 1 };
        private readonly Option<int?> _maxLeaves = new("--max-leaves") { Description = "most leaves per tree (grows best-first)" };
        private readonly Option<string> _criterion = new("--criterion") { Description = "gini or entropy", DefaultValueFactory = _ => "gini" };

        public void AddTo(Command command)
        {
            command.Options.Add(_maxDepth);
            command.Options.Add(_minLeaf);
            command.Options.Add(_maxLeaves);
            command.Options.Add(_criterion);
        }

        public CartOptions Parse(ParseResult p) => new()
        {
            Criterion = p.GetValue(_criterion) switch
            {
                "gini" => SplitCriterion.Gini,
                "entropy" => SplitCriterion.Entropy,
                var other => throw new EdgePruneException($"--criterion must be gini or entropy, not '{other}'"),
            },
            MaxDepth = p.GetValue(_maxDepth) ?? int.MaxValue,
            MinSamplesLeaf = p.GetValue(_minLeaf),
            MaxLeaves = p.GetValue(_maxLeaves) ?? int.MaxValue,
        };
    }

    private static TreeDataset LoadData(string featuresPath, string labelsPath, IReadOnlyList<long>? classes) =>
        TreeDataset.ForClassification(DataFiles.Load(featuresPath), DataFiles.Load(labelsPath), featuresPath, labelsPath, classes);

    private static string Describe(TreeModelSize s) =>
        $"{(s.Trees == 1 ? "a tree" : $"a forest of {s.Trees} trees")}: {s.Nodes} nodes, {s.Leaves} leaves, depth {s.Depth}, {s.Bytes} bytes as C tables";

    private static string PruneText(TreePruneResult r, string path)
    {
        var b = new StringBuilder();
        b.AppendLine($"before: {Describe(r.Before)}; accuracy {r.AccuracyBefore:P2}");
        b.AppendLine($"after:  {Describe(r.After)}; accuracy {r.AccuracyAfter:P2}");
        b.AppendLine($"nodes {r.Before.Nodes / (double)Math.Max(1, r.After.Nodes):F1}x fewer; wrote {path}");
        if (r.Alphas is { } a)
        {
            b.AppendLine();
            b.AppendLine("alpha path (cross-validated accuracy; * = chosen):");
            b.AppendLine("       alpha  leaves  accuracy");
            int stride = Math.Max(1, a.Path.Count / 24);
            for (int k = 0; k < a.Path.Count; k++)
            {
                if (k % stride != 0 && k != a.Chosen && k != a.Path.Count - 1)
                {
                    continue;
                }

                int bar = (int)Math.Round(a.Accuracy[k] * 40);
                b.AppendLine(CultureInfo.InvariantCulture, $"{(k == a.Chosen ? '*' : ' ')} {a.Path[k].Alpha,10:G4}  {a.Path[k].Leaves,6}  {a.Accuracy[k],7:P2}  {new string('#', bar)}");
            }
        }

        return b.ToString();
    }

    private static string PruneJson(TreePruneResult r, string path) => JsonSerializer.Serialize(new
    {
        output = path,
        method = r.Method.ToString(),
        before = r.Before,
        after = r.After,
        accuracy_before = r.AccuracyBefore,
        accuracy_after = r.AccuracyAfter,
        alpha_path = r.Alphas?.Path.Select((s, k) => new { alpha = s.Alpha, leaves = s.Leaves, nodes = s.Nodes, impurity = s.Impurity, cv_accuracy = r.Alphas.Accuracy[k] }),
        chosen = r.Alphas?.Chosen,
    }, Json) + Environment.NewLine;
}
