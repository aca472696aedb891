using System.Buffers.Binary;
using System.Collections.Immutable;
using EdgePrune.Core.Trees;
using EdgePrune.Export.Epb;
using EdgePrune.Runtime.Format;
using EdgePrune.TestSupport;
using EdgePrune.Training.Trees;

namespace EdgePrune.Runtime.Tests;

/// <summary>Tree ensembles written as .epb and run by the runtime, against ONNX Runtime on the ONNX-ML export of the same ensemble.</summary>
public class TreeEnsembleTests
{
    private static readonly Lazy<TreeEnsemble> MnistTree = new(() => CartTrainer.Train(MnistTreeSamples.Train, new CartOptions()));

    private static readonly Lazy<TreeEnsemble> MnistForest = new(() => CartTrainer.TrainForest(MnistTreeSamples.Train, new ForestOptions { TreeCount = 8, Seed = 5, Tree = new CartOptions { MaxDepth = 12 } }));

    public static TheoryData<string> MnistModels() => ["tree", "forest", "tree with integer thresholds"];

    [Theory]
    [MemberData(nameof(MnistModels))]
    public void Mnist_tree_models_match_OnnxRuntime_on_all_held_out_digits(string which)
    {
        var ensemble = which switch
        {
            "tree" => MnistTree.Value,
            "forest" => MnistForest.Value,
            // Whole-number thresholds (a different but valid tree) are stored as uint8 and must still compare as floats.
            _ => MnistTree.Value with { Trees = [.. MnistTree.Value.Trees.Select(t => t.Map(n => n.IsLeaf ? n : n with { Threshold = MathF.Floor(n.Threshold) }))] },
        };
        var test = MnistTreeSamples.Test;
        var export = EpbTreeWriter.Write(ensemble);
        Assert.Contains(which == "tree with integer thresholds" ? "thresholds uint8" : "thresholds float32", export.Layout);
        // Pure leaves share a few vote rows.
        Assert.Contains("shared vote rows", export.Layout);

        var ort = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(ensemble), test.Features, test.FeatureCount);
        var (labels, scores) = RunEpb(export.Bytes, test.Features, test.FeatureCount);
        Assert.Equal(ort.Labels, labels);
        Assert.Equal(ort.Scores, scores);
        Assert.True(labels.Where((l, i) => l == test.ClassLabels[test.Classes![i]].ToString(System.Globalization.CultureInfo.InvariantCulture)).Count() > test.Rows * 0.7, "the model should classify most digits");
    }

    [Theory]
    [InlineData(11, TreePostTransform.None)]
    [InlineData(12, TreePostTransform.Softmax)]
    [InlineData(13, TreePostTransform.Logistic)]
    public void Random_classifiers_with_every_mode_NaN_and_sparse_votes_match_OnnxRuntime(int seed, TreePostTransform transform)
    {
        var random = new Random(seed);
        var ensemble = RandomEnsembles.Create(random, TreeEnsembleKind.Classifier, features: 5, targets: 5, trees: 12, transform);
        float[] x = ProbeRows(random, 5, 1000);
        var export = EpbTreeWriter.Write(ensemble);
        Assert.Contains("sparse votes", export.Layout);
        var ort = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(ensemble), x, 5);
        var (labels, scores) = RunEpb(export.Bytes, x, 5);
        Assert.Equal(ort.Labels, labels);
        AssertScores(ort.Scores, scores, transform == TreePostTransform.None ? 0 : 1e-6f);
    }

    [Theory]
    [InlineData(14, TreePostTransform.None)]
    [InlineData(15, TreePostTransform.Softmax)]
    public void Random_classifiers_with_a_dense_vote_row_per_leaf_match_OnnxRuntime(int seed, TreePostTransform transform)
    {
        var random = new Random(seed);
        var sparse = RandomEnsembles.Create(random, TreeEnsembleKind.Classifier, features: 5, targets: 4, trees: 9, transform);
        var ensemble = sparse with
        {
            Trees = [.. sparse.Trees.Select(t => t.Map(n => n.IsLeaf ? n with { Weights = [.. Enumerable.Range(0, 4).Select(k => new LeafWeight(k, (float)Math.Round(random.NextDouble() - 0.3, 3)))] } : n))],
        };
        float[] x = ProbeRows(random, 5, 1000);
        var export = EpbTreeWriter.Write(ensemble);
        Assert.Contains("dense votes", export.Layout);
        var ort = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(ensemble), x, 5);
        var (labels, scores) = RunEpb(export.Bytes, x, 5);
        Assert.Equal(ort.Labels, labels);
        AssertScores(ort.Scores, scores, transform == TreePostTransform.None ? 0 : 1e-6f);
    }

    [Theory]
    [InlineData(21, TreePostTransform.None, TreeAggregate.Sum, 1)]
    [InlineData(22, TreePostTransform.Softmax, TreeAggregate.Sum, 3)]
    [InlineData(23, TreePostTransform.Logistic, TreeAggregate.Average, 4)]
    public void Random_regressors_match_OnnxRuntime(int seed, TreePostTransform transform, TreeAggregate aggregate, int targets)
    {
        var random = new Random(seed);
        var ensemble = RandomEnsembles.Create(random, TreeEnsembleKind.Regressor, features: 6, targets, trees: 7, transform) with { Aggregate = aggregate };
        float[] x = ProbeRows(random, 6, 500);
        var ort = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(ensemble), x, 6);
        var (_, scores) = RunEpb(EpbTreeWriter.Write(ensemble).Bytes, x, 6);
        AssertScores(ort.Scores, scores, transform == TreePostTransform.None ? 0 : 1e-6f);
    }

    /// <summary>ONNX Runtime gives 0 to a regressor target no tree voted for, without adding its base value.</summary>
    [Fact]
    public void A_regressor_target_without_votes_scores_zero_as_in_OnnxRuntime()
    {
        var tree = DecisionTree.Create([TreeNode.Branch(TreeNodeMode.BranchLeq, 0, 0.5f, 1, 2), TreeNode.LeafOf(new LeafWeight(0, 2f)), TreeNode.LeafOf(new LeafWeight(1, 3f))]);
        var ensemble = new TreeEnsemble { Kind = TreeEnsembleKind.Regressor, Trees = [tree, tree], FeatureCount = 1, TargetCount = 2, Aggregate = TreeAggregate.Average, BaseValues = [0.25f, 0.5f] };
        float[] x = [0f, 1f];
        var ort = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(ensemble), x, 1);
        Assert.Equal([2.25f, 0f, 0f, 3.5f], ort.Scores);
        Assert.Equal(ort.Scores, RunEpb(EpbTreeWriter.Write(ensemble).Bytes, x, 1).Scores);
    }

    [Fact]
    public void A_tree_model_runs_without_allocating_after_warm_up()
    {
        var model = EpbModel.Load(EpbTreeWriter.Write(RandomEnsembles.Create(new Random(3), TreeEnsembleKind.Classifier, 5, 4, 6, TreePostTransform.Softmax)).Bytes);
        var input = new float[5];
        var scores = new float[4];
        model.Classify(input, scores);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            input[i % 5] = (i % 7) - 3;
            model.Classify(input, scores);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Labels_shapes_and_names_come_from_the_ensemble()
    {
        var ensemble = RandomEnsembles.Create(new Random(4), TreeEnsembleKind.Classifier, 7, 3, 2, TreePostTransform.None);
        var model = EpbModel.Load(EpbTreeWriter.Write(ensemble).Bytes);
        Assert.True(model.IsTreeEnsemble);
        Assert.Equal(["-2", "1", "4"], model.Labels);
        Assert.Equal([1, 7], model.Inputs[0].Shape);
        Assert.Equal("X", model.Inputs[0].Name);
        Assert.Equal([1, 3], model.Outputs[0].Shape);
        Assert.Equal(1, model.FormatMinorVersion);
        Assert.Equal(0, EpbModel.Load(EpbWriter.Write(TestGraphs.Mlp(new Random(4), [6, 4], 0)).Bytes).FormatMinorVersion);
    }

    public static TheoryData<string, string> Hostile() => new()
    {
        { "cycle", "reached twice" },
        { "child out of range", "names branch 100" },
        { "feature out of range", "tests feature 200" },
        { "mode", "mode byte 6" },
        { "leaf count", "one leaf more than branches" },
        { "tree table", "must start at branch 0" },
        { "section length", "section but it is" },
        { "leaf row", "names vote row 5" },
    };

    /// <summary>Files with correct CRCs but broken tables: each must be refused at load with a message naming the problem.</summary>
    [Theory]
    [MemberData(nameof(Hostile))]
    public void Broken_tree_tables_are_refused_at_load(string breakage, string message)
    {
        // A depth-3 tree (7 branches, 8 leaves, 2 distinct vote rows) on 10 features: 1-byte features, references and rows.
        var nodes = new List<TreeNode>();
        int Grow(int depth)
        {
            int index = nodes.Count;
            nodes.Add(null!);
            if (depth == 3)
            {
                nodes[index] = TreeNode.LeafOf(new LeafWeight(0, index % 2), new LeafWeight(1, 1), new LeafWeight(2, 2));
                return index;
            }

            int t = Grow(depth + 1), f = Grow(depth + 1);
            nodes[index] = TreeNode.Branch(TreeNodeMode.BranchLeq, depth, 0.5f, t, f);
            return index;
        }

        Grow(0);
        var ensemble = new TreeEnsemble { Kind = TreeEnsembleKind.Classifier, Trees = [DecisionTree.Create(nodes)], FeatureCount = 10, TargetCount = 3, Int64Labels = [0, 1, 2] };
        byte[] file = EpbTreeWriter.Write(ensemble).Bytes;
        var (offset, length) = TreesSection(file);
        var tables = TreeTables.Read(file, offset, length);
        switch (breakage)
        {
            case "cycle": file[tables.TrueChildren + 1] = 0; break;
            case "child out of range": file[tables.FalseChildren] = 200; break;
            case "feature out of range": file[tables.Features + 2] = 200; break;
            case "mode": file[tables.Modes + 3] = 6; break;
            case "leaf count": BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(offset + 8), 9); break;
            case "tree table": BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(tables.TreeTable), 1); break;
            case "section length": file[offset + 31] = 1; break;
            case "leaf row": file[tables.LeafRows + 4] = 5; break;
        }

        EpbContainer.Reseal(file);
        var e = Assert.Throws<EpbFormatException>(() => EpbModel.Load(file));
        Assert.Contains("trees section", e.Message);
        Assert.Contains(message, e.Message);
    }

    internal static (int Offset, int Length) TreesSection(byte[] file)
    {
        int sections = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(12));
        for (int i = 0; i < sections; i++)
        {
            var entry = file.AsSpan(EpbLayout.HeaderBytes + (i * EpbLayout.SectionEntryBytes));
            if (BinaryPrimitives.ReadUInt32LittleEndian(entry) == (uint)SectionKind.Trees)
            {
                return ((int)BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]), (int)BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]));
            }
        }

        throw new InvalidOperationException("no trees section");
    }

    /// <summary>Values on the 0.1 grid the random thresholds use (so inputs hit them exactly), with NaN in one value of ten.</summary>
    private static float[] ProbeRows(Random random, int features, int rows) =>
        [.. Enumerable.Range(0, features * rows).Select(_ => random.Next(10) == 0 ? float.NaN : (float)Math.Round((random.NextDouble() * 4) - 2, 1))];

    private static (string[] Labels, float[] Scores) RunEpb(byte[] epb, float[] features, int featureCount)
    {
        var model = EpbModel.Load(epb);
        int rows = features.Length / featureCount, width = model.Outputs[0].ElementCount;
        var labels = new string[rows];
        var scores = new float[rows * width];
        for (int r = 0; r < rows; r++)
        {
            int k = model.Classify(features.AsSpan(r * featureCount, featureCount), scores.AsSpan(r * width, width));
            labels[r] = model.Labels.Count > 0 ? model.Labels[k] : "";
        }

        return (labels, scores);
    }

    private static void AssertScores(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]) || Math.Abs(expected[i] - actual[i]) <= tolerance, $"score {i}: ORT {expected[i]}, runtime {actual[i]}");
        }
    }
}
