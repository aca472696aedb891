using EdgePrune.Compression.Fitting;
using EdgePrune.Compression.Trees;
using EdgePrune.Core.Devices;
using EdgePrune.Core.Trees;
using EdgePrune.TestSupport;
using Xunit.Abstractions;

namespace EdgePrune.Compression.Tests.Trees;

public class TreeFitSearchTests(ITestOutputHelper output)
{
    private static double OrtAccuracy(TreeEnsemble e) =>
        MnistTrees.Accuracy(OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(e), MnistTreeSamples.Test.Features, 784).Labels, MnistTreeSamples.Test);

    [Fact]
    public void A_tree_that_fits_the_stm32_is_kept_whole()
    {
        var result = TreeFitSearch.Run(Request(MnistTrees.FullTree, "stm32f446re", new FitFloor()));
        Assert.Equal(FitStatus.Fitted, result.Status);
        Assert.Equal(MnistTrees.FullTree.NodeCount, result.Fitted!.NodeCount);
        Assert.Equal(OrtAccuracy(MnistTrees.FullTree), result.OriginalAccuracy, 9);
    }

    [Fact]
    public void A_budget_below_the_root_alone_cannot_fit_and_names_a_device_that_holds_the_tree()
    {
        var result = TreeFitSearch.Run(Request(MnistTrees.FullTree, "arduino-uno", new FitFloor()) with { FlashBudgetBytes = 40 });
        Assert.Equal(FitStatus.CannotFit, result.Status);
        Assert.Contains("even the smallest model", result.Reason);
        Assert.Null(result.Fitted);

        // The root alone: one leaf of 10 float votes (40 B) and the node arrays' single entry.
        Assert.True(result.Candidates[^1].TableBytes > 40 && result.Candidates[^1].Nodes == 1);
        Assert.Contains(result.Suggestions, s => s.Contains("holds the original tree", StringComparison.Ordinal));
    }

    [Fact]
    public void The_arduino_uno_gets_the_least_pruned_tree_whose_C_tables_fit_its_flash()
    {
        var full = MnistTrees.FullTree;
        var uno = DeviceProfiles.Load("arduino-uno");
        var result = TreeFitSearch.Run(Request(full, "arduino-uno", new FitFloor(MaxDropPoints: 2)));
        output.WriteLine(result.Reason);
        foreach (var c in result.Candidates)
        {
            output.WriteLine($"{c.Position}: {c.Description} {c.Nodes} nodes {c.TableBytes} B {c.Accuracy:P2}");
        }

        Assert.Equal(FitStatus.Fitted, result.Status);
        var fitted = result.Fitted!;
        Assert.True(TreeCExporter.Generate(fitted, new CTreeOptions()).TableBytes <= uno.ModelFlashBudgetBytes);
        Assert.True(TreeCExporter.Generate(full, new CTreeOptions()).TableBytes > uno.ModelFlashBudgetBytes);

        // Least pruned: the previous step of the same cost-complexity path (statistics from the training digits) does not fit.
        var stats = NodeStatistics.Collect(full.Trees[0], MnistTreeSamples.Train, full.TargetCount);
        var path = CostComplexityPruner.Path(stats);
        int chosen = result.Chosen!.Position;
        Assert.Equal(path[chosen].Alpha, result.Chosen.Alpha);
        var previous = full with { Trees = [CostComplexityPruner.Apply(stats, path[chosen - 1])] };
        Assert.True(TreeCExporter.Generate(previous, new CTreeOptions()).TableBytes > uno.ModelFlashBudgetBytes);

        // The accuracy floor holds in ONNX Runtime on the evaluation digits.
        Assert.Equal(OrtAccuracy(fitted), result.Chosen!.Accuracy, 9);
        Assert.True(OrtAccuracy(fitted) >= OrtAccuracy(full) - 0.02);
    }

    [Fact]
    public void A_forest_drops_trees_then_prunes_its_last_tree_and_says_what_would_fit_when_nothing_does()
    {
        var forest = MnistTrees.Forest;
        var tight = TreeFitSearch.Run(Request(forest, "arduino-uno", new FitFloor()));
        output.WriteLine(tight.Reason);
        foreach (var s in tight.Suggestions)
        {
            output.WriteLine("instead: " + s);
        }

        Assert.Equal(FitStatus.BelowFloor, tight.Status);
        Assert.Null(tight.Fitted);
        Assert.Contains("below the floor", tight.Reason);
        Assert.Contains(tight.Suggestions, s => s.Contains("holds", StringComparison.Ordinal));
        Assert.Contains(tight.Suggestions, s => s.StartsWith("--min-accuracy", StringComparison.Ordinal));

        // Loosen the floor to what the search said would be accepted: a single pruned tree of the forest fits.
        var loose = TreeFitSearch.Run(Request(forest, "arduino-uno", new FitFloor(MinScore: 0.5)));
        output.WriteLine(loose.Reason);
        Assert.Equal(FitStatus.Fitted, loose.Status);
        Assert.Single(loose.Fitted!.Trees);
        Assert.True(loose.Chosen!.TableBytes <= 23_552);
        Assert.Equal(OrtAccuracy(loose.Fitted), loose.Chosen.Accuracy, 9);

        // A budget between one and all trees: trees are dropped, none pruned.
        long half = TreeCExporter.Generate(forest, new CTreeOptions()).TableBytes / 2;
        var dropped = TreeFitSearch.Run(Request(forest, "stm32f446re", new FitFloor(MaxDropPoints: 5)) with { FlashBudgetBytes = half });
        output.WriteLine(dropped.Reason);
        Assert.Equal(FitStatus.Fitted, dropped.Status);
        Assert.InRange(dropped.Fitted!.Trees.Length, 2, forest.Trees.Length - 1);
        Assert.All(dropped.Fitted.Trees, t => Assert.Contains(t.NodeCount, forest.Trees.Select(o => o.NodeCount)));
        Assert.True(dropped.Chosen!.TableBytes <= half);
    }

    private static TreeFitRequest Request(TreeEnsemble model, string device, FitFloor floor)
    {
        var profile = DeviceProfiles.Load(device);
        return new TreeFitRequest
        {
            Model = model,
            Device = profile,
            FlashBudgetBytes = profile.ModelFlashBudgetBytes,
            Eval = MnistTreeSamples.Test,
            Statistics = MnistTreeSamples.Train,
            Floor = floor,
        };
    }
}
