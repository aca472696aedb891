using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using EdgePrune.Compression.Trees;
using EdgePrune.Core;
using EdgePrune.Core.Devices;
using EdgePrune.Core.Trees;
using EdgePrune.TestSupport;
using Xunit.Abstractions;

namespace EdgePrune.Compression.Tests.Trees;

/// <summary>Compiles the generated C with the host gcc (the C runtime's flags) and compares it with ONNX Runtime on the ONNX-ML export.</summary>
public class TreeCExportTests(ITestOutputHelper output)
{
    private const string Flags = "-std=c99 -Wall -Wextra -Werror -pedantic -O2";

    private const string Harness = """
        #include <stdio.h>
        #include <string.h>
        #include "NAME.h"

        int main(int argc, char **argv)
        {
            static NAME_feature_t x[UPPER_FEATURE_COUNT];
            float s[UPPER_OUTPUT_COUNT];
            FILE *f;
            int k;
            if (argc != 2 || (f = fopen(argv[1], "rb")) == NULL) {
                return 1;
            }
            while (fread(x, sizeof x[0], UPPER_FEATURE_COUNT, f) == UPPER_FEATURE_COUNT) {
                printf("%d", NAME_predict(x, s));
                for (k = 0; k < UPPER_OUTPUT_COUNT; ++k) {
                    unsigned long bits = 0;
                    memcpy(&bits, &s[k], sizeof s[k]);
                    printf(" %lx", bits);
                }
                printf("\n");
            }
            fclose(f);
            return 0;
        }
        """;

    private sealed record CRun(int[] Classes, float[] Scores, long RodataBytes);

    private static CRun CompileAndRun(CTreeSource source, string name, byte[] input)
    {
        string dir = Directory.CreateTempSubdirectory("edgeprune-tree-c-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, source.HeaderFile), source.Header);
            File.WriteAllText(Path.Combine(dir, source.SourceFile), source.Source);
            File.WriteAllText(Path.Combine(dir, "main.c"), Harness.Replace("NAME", name).Replace("UPPER", name.ToUpperInvariant()));
            File.WriteAllBytes(Path.Combine(dir, "input.bin"), input);
            Run("gcc", $"{Flags} -c {source.SourceFile} -o model.o", dir);
            Run("gcc", $"{Flags} main.c model.o -o predict -lm", dir);
            string sizes = Run("size", "-A model.o", dir);
            long rodata = sizes.Split('\n').Where(l => l.StartsWith(".rodata", StringComparison.Ordinal))
                .Sum(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture));
            var lines = Run(Path.Combine(dir, "predict"), "input.bin", dir).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var classes = lines.Select(l => int.Parse(l.Split(' ')[0], CultureInfo.InvariantCulture)).ToArray();
            var scores = lines.SelectMany(l => l.Split(' ').Skip(1)).Select(h => BitConverter.UInt32BitsToSingle(uint.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture))).ToArray();
            return new CRun(classes, scores, rodata);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Run(string program, string arguments, string dir)
    {
        using var p = Process.Start(new ProcessStartInfo(program, arguments) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{program} {arguments} failed ({p.ExitCode}): {stderr}");
        return stdout.Result;
    }

    private static byte[] FloatBytes(float[] x) => [.. x.SelectMany(BitConverter.GetBytes)];

    private void AssertMatchesOrt(TreeEnsemble model, TreeEnsemble reference, CTreeOptions options, byte[] input, float[] features, int featureCount, bool exactScores = true)
    {
        var source = TreeCExporter.Generate(model, options);
        var c = CompileAndRun(source, options.Name, input);
        var ort = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(reference), features, featureCount);
        output.WriteLine($"{options.Name}: {options.Layout}, {options.FeatureType}: tables {source.TableBytes} bytes, gcc .rodata {c.RodataBytes} bytes; {string.Join("; ", source.TableSizes)}");
        Assert.Equal(ort.Labels, c.Classes.Select(model.LabelText).ToArray());
        if (exactScores)
        {
            Assert.Equal(ort.Scores, c.Scores);
        }
        else
        {
            Assert.All(ort.Scores.Zip(c.Scores), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-6f, $"{p.First} vs {p.Second}"));
        }

        if (options.Layout == CTreeLayout.NodeArrays)
        {
            // gcc's read-only data is the tables, the labels, the switch jump table and 32-byte alignment padding.
            long labels = model.Kind == TreeEnsembleKind.Classifier ? 8L * model.TargetCount : 0;
            Assert.InRange(c.RodataBytes, source.TableBytes + labels, source.TableBytes + labels + 256);
        }
    }

    [Theory]
    [InlineData(CTreeLayout.IfElse)]
    [InlineData(CTreeLayout.NodeArrays)]
    public void Full_mnist_tree_in_C_matches_OnnxRuntime_bit_for_bit_on_2000_held_out_digits(CTreeLayout layout)
    {
        var test = MnistTreeSamples.Test;
        AssertMatchesOrt(MnistTrees.FullTree, MnistTrees.FullTree, new CTreeOptions { Name = "mnist_tree", Layout = layout }, FloatBytes(test.Features), test.Features, 784);
    }

    [Fact]
    public void Mnist_forest_in_C_with_float_and_uint8_features_matches_OnnxRuntime_on_2000_held_out_digits()
    {
        var test = MnistTreeSamples.Test;
        var forest = MnistTrees.Forest;
        AssertMatchesOrt(forest, forest, new CTreeOptions { Name = "mnist_forest" }, FloatBytes(test.Features), test.Features, 784);

        // uint8 pixels straight from the sensor: integer thresholds, 1-byte tables, same predictions as the float model in ORT.
        var quantized = ThresholdQuantizer.ForIntegerFeatures(forest, 0, 255);
        byte[] pixels = [.. test.Features.Select(v => (byte)v)];
        AssertMatchesOrt(quantized, forest, new CTreeOptions { Name = "mnist_forest_u8", FeatureType = CFeatureType.UInt8 }, pixels, test.Features, 784);
        AssertMatchesOrt(ThresholdQuantizer.ForIntegerFeatures(MnistTrees.FullTree, 0, 255), MnistTrees.FullTree, new CTreeOptions { Name = "mnist_tree_u8", Layout = CTreeLayout.IfElse, FeatureType = CFeatureType.UInt8 }, pixels, test.Features, 784);
    }

    [Theory]
    [InlineData(TreePostTransform.None)]
    [InlineData(TreePostTransform.Softmax)]
    [InlineData(TreePostTransform.Logistic)]
    public void Sparse_ensemble_with_every_mode_and_NaN_in_C_matches_OnnxRuntime(TreePostTransform transform)
    {
        var random = new Random((int)transform + 40);
        var ensemble = SparseEnsemble(random, transform);
        float[] x = [.. Enumerable.Range(0, 4 * 600).Select(_ => random.Next(12) == 0 ? float.NaN : (float)Math.Round((random.NextDouble() * 4) - 2, 1))];
        AssertMatchesOrt(ensemble, ensemble, new CTreeOptions { Name = "sparse", Layout = CTreeLayout.IfElse }, FloatBytes(x), x, 4, exactScores: transform == TreePostTransform.None);
        var e = Assert.Throws<EdgePruneException>(() => TreeCExporter.Generate(ensemble, new CTreeOptions { Layout = CTreeLayout.NodeArrays }));
        Assert.Contains("if/else", e.Message);
    }

    /// <summary>
    /// A regressor whose sparse leaves leave some target without a vote on some rows: ONNX Runtime gives that target 0,
    /// not its base value, and so must the C export.
    /// </summary>
    [Fact]
    public void Sparse_regressor_with_base_values_in_C_matches_OnnxRuntime_on_targets_no_tree_voted_for()
    {
        var random = new Random(61);
        var ensemble = RandomEnsembles.Create(random, TreeEnsembleKind.Regressor, features: 4, targets: 3, trees: 2, TreePostTransform.None) with
        {
            Aggregate = TreeAggregate.Average,
            BaseValues = [0.25f, -0.5f, 0.75f],
        };
        float[] x = [.. Enumerable.Range(0, 4 * 400).Select(_ => (float)Math.Round((random.NextDouble() * 4) - 2, 1))];
        var options = new CTreeOptions { Name = "reg", Layout = CTreeLayout.IfElse };

        var c = CompileAndRun(TreeCExporter.Generate(ensemble, options), options.Name, FloatBytes(x));
        var ort = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(ensemble), x, 4);

        Assert.Contains(0f, ort.Scores);
        Assert.Equal(ort.Scores.Length, c.Scores.Length);
        Assert.All(ort.Scores.Zip(c.Scores), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-6f, $"{p.First} vs {p.Second}"));
    }

    [Fact]
    public void Size_report_checks_the_device_flash_budget()
    {
        var source = TreeCExporter.Generate(MnistTrees.Forest, new CTreeOptions());
        var uno = DeviceProfiles.Load("arduino-uno");
        var nucleo = DeviceProfiles.Load("stm32f446re");
        Assert.False(source.FitsFlash(uno));
        Assert.Equal(source.TableBytes <= nucleo.ModelFlashBudgetBytes, source.FitsFlash(nucleo));
        Assert.Throws<EdgePruneException>(() => TreeCExporter.Generate(MnistTrees.Forest, new CTreeOptions { FeatureType = CFeatureType.UInt8 }));
    }

    private static TreeEnsemble SparseEnsemble(Random random, TreePostTransform transform)
    {
        var trees = new List<DecisionTree>();
        for (int t = 0; t < 6; t++)
        {
            var nodes = new List<TreeNode>();
            Grow(nodes, 0);
            trees.Add(DecisionTree.Create(nodes));
        }

        return new TreeEnsemble
        {
            Kind = TreeEnsembleKind.Classifier,
            Trees = [.. trees],
            FeatureCount = 4,
            TargetCount = 4,
            StringLabels = ["a", "b\"q", "c", "d"],
            PostTransform = transform,
            BaseValues = [0.1f, -0.2f, 0f, 0.05f],
        };

        int Grow(List<TreeNode> nodes, int depth)
        {
            int index = nodes.Count;
            nodes.Add(null!);
            if (depth >= 4 || (depth > 0 && random.Next(3) == 0))
            {
                nodes[index] = new TreeNode
                {
                    Mode = TreeNodeMode.Leaf,
                    Weights = [.. Enumerable.Range(0, random.Next(3)).Select(_ => new LeafWeight(random.Next(3), (float)Math.Round(random.NextDouble() - 0.3, 3)))],
                };
                return index;
            }

            int whenTrue = Grow(nodes, depth + 1);
            int whenFalse = Grow(nodes, depth + 1);
            nodes[index] = TreeNode.Branch((TreeNodeMode)random.Next(6), random.Next(4), (float)Math.Round((random.NextDouble() * 4) - 2, 1), whenTrue, whenFalse, random.Next(2) == 0);
            return index;
        }
    }
}
