using System.Collections.Immutable;
using EdgePrune.Core.Trees;
using EdgePrune.TestSupport;
using Google.Protobuf;
using P = EdgePrune.Core.Onnx.Proto;

namespace EdgePrune.Core.Tests.Trees;

public class TreeEnsembleOnnxTests
{
    /// <summary>
    /// A classifier written field by field as skl2onnx would (not by EdgePrune's exporter): two trees over 3 features that use
    /// every branch mode, a missing-value track, a leaf with two votes for one class, a class nobody votes for, base values.
    /// </summary>
    private static P.ModelProto HandcraftedClassifier(string postTransform, bool stringLabels, bool thresholdsAsTensor)
    {
        // Tree 7 (ids deliberately not 0..n-1): 0: x0 <= 0.5 (NaN -> true) ? 1 : 2; 1: x1 < 2 ? 3 : 4; 2: x2 >= -1 ? 5 : 6;
        // 3: x0 == 0.25 ? leafA : leafB; 4, 5, 6 leaves. Tree 3: 0: x1 > 1 ? 1 : 2; 1: x2 != 0 ? 3 : 4; 2,3,4 leaves.
        long[] treeIds = [7, 7, 7, 7, 7, 7, 7, 7, 7, 3, 3, 3, 3, 3];
        long[] nodeIds = [0, 1, 2, 3, 4, 5, 6, 10, 11, 0, 1, 2, 3, 4];
        long[] features = [0, 1, 2, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0];
        float[] values = [0.5f, 2f, -1f, 0.25f, 0, 0, 0, 0, 0, 1f, 0f, 0, 0, 0];
        string[] modes = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_EQ", "LEAF", "LEAF", "LEAF", "LEAF", "LEAF", "BRANCH_GT", "BRANCH_NEQ", "LEAF", "LEAF", "LEAF"];
        long[] trueIds = [1, 3, 5, 10, 0, 0, 0, 0, 0, 1, 3, 0, 0, 0];
        long[] falseIds = [2, 4, 6, 11, 0, 0, 0, 0, 0, 2, 4, 0, 0, 0];
        long[] missing = [1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0];
        long[] classTree = [7, 7, 7, 7, 7, 7, 7, 3, 3, 3, 3];
        long[] classNode = [10, 10, 11, 4, 5, 6, 6, 2, 3, 4, 4];
        long[] classIds = [0, 0, 1, 2, 1, 0, 2, 2, 0, 1, 2];
        float[] weights = [0.3f, 0.45f, 1.25f, 0.7f, -0.2f, 0.9f, 0.15f, 0.6f, 0.35f, 0.8f, -0.05f];
        var node = new P.NodeProto { OpType = "TreeEnsembleClassifier", Domain = "ai.onnx.ml", Name = "handmade", Input = { "input" }, Output = { "label", "probabilities" } };
        node.Attribute.Add(Ints("nodes_treeids", treeIds));
        node.Attribute.Add(Ints("nodes_nodeids", nodeIds));
        node.Attribute.Add(Ints("nodes_featureids", features));
        if (thresholdsAsTensor)
        {
            var t = new P.TensorProto { Name = "nodes_values_as_tensor", DataType = (int)P.TensorProto.Types.DataType.Double, Dims = { values.Length } };
            t.DoubleData.Add(values.Select(v => (double)v));
            node.Attribute.Add(new P.AttributeProto { Name = "nodes_values_as_tensor", Type = P.AttributeProto.Types.AttributeType.Tensor, T = t });
        }
        else
        {
            node.Attribute.Add(new P.AttributeProto { Name = "nodes_values", Type = P.AttributeProto.Types.AttributeType.Floats, Floats = { values } });
        }

        node.Attribute.Add(Strings("nodes_modes", modes));
        node.Attribute.Add(Ints("nodes_truenodeids", trueIds));
        node.Attribute.Add(Ints("nodes_falsenodeids", falseIds));
        node.Attribute.Add(Ints("nodes_missing_value_tracks_true", missing));
        node.Attribute.Add(new P.AttributeProto { Name = "nodes_hitrates", Type = P.AttributeProto.Types.AttributeType.Floats, Floats = { values.Select(_ => 1f) } });
        node.Attribute.Add(Ints("class_treeids", classTree));
        node.Attribute.Add(Ints("class_nodeids", classNode));
        node.Attribute.Add(Ints("class_ids", classIds));
        node.Attribute.Add(new P.AttributeProto { Name = "class_weights", Type = P.AttributeProto.Types.AttributeType.Floats, Floats = { weights } });
        node.Attribute.Add(new P.AttributeProto { Name = "base_values", Type = P.AttributeProto.Types.AttributeType.Floats, Floats = { 0.1f, 0f, -0.1f, 0f } });
        node.Attribute.Add(new P.AttributeProto { Name = "post_transform", Type = P.AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(postTransform) });
        if (stringLabels)
        {
            node.Attribute.Add(Strings("classlabels_strings", ["cat", "dog", "eel", "fox"]));
        }
        else
        {
            node.Attribute.Add(Ints("classlabels_int64s", [4, 8, 15, 16]));
        }

        var graph = new P.GraphProto { Name = "handmade", Node = { node } };
        graph.Input.Add(Value("input", P.TensorProto.Types.DataType.Float, 3));
        graph.Output.Add(Value("label", stringLabels ? P.TensorProto.Types.DataType.String : P.TensorProto.Types.DataType.Int64, null));
        graph.Output.Add(Value("probabilities", P.TensorProto.Types.DataType.Float, 4));
        return new P.ModelProto
        {
            IrVersion = 7,
            Graph = graph,
            OpsetImport = { new P.OperatorSetIdProto { Domain = "", Version = 15 }, new P.OperatorSetIdProto { Domain = "ai.onnx.ml", Version = thresholdsAsTensor ? 3 : 1 } },
        };
    }

    /// <summary>Rows that hit every branch both ways, exact threshold values and NaN on each feature.</summary>
    private static float[] ProbeRows(int seed, int randomRows)
    {
        float[] special = [0.5f, 0.25f, 2f, -1f, 1f, 0f, float.NaN, 0.4999f, 1.0001f, -3f];
        var rows = new List<float>();
        foreach (float a in special)
        {
            foreach (float b in special)
            {
                foreach (float c in special)
                {
                    rows.AddRange([a, b, c]);
                }
            }
        }

        var random = new Random(seed);
        for (int i = 0; i < randomRows * 3; i++)
        {
            rows.Add((float)((random.NextDouble() * 6) - 3));
        }

        return [.. rows];
    }

    [Theory]
    [InlineData("NONE", false, false)]
    [InlineData("SOFTMAX", true, false)]
    [InlineData("LOGISTIC", false, true)]
    [InlineData("NONE", true, true)]
    public void Handcrafted_classifier_matches_OnnxRuntime_on_every_mode_and_NaN(string postTransform, bool stringLabels, bool asTensor)
    {
        byte[] bytes = HandcraftedClassifier(postTransform, stringLabels, asTensor).ToByteArray();
        float[] x = ProbeRows(1, 200);
        var ensemble = TreeEnsembleImporter.Load(bytes, "handmade.onnx");
        Assert.Equal(2, ensemble.Trees.Length);
        Assert.Equal(3, ensemble.FeatureCount);

        // ORT reads *_as_tensor (double) thresholds only for double inputs, so the oracle runs the float-attribute twin.
        byte[] oracleModel = asTensor ? HandcraftedClassifier(postTransform, stringLabels, false).ToByteArray() : bytes;
        var ort = OrtTreeOracle.Run(oracleModel, x, 3);
        AssertSame(ort, ensemble, TreeEnsembleEvaluator.Predict(ensemble, x), postTransform == "NONE");

        // And the re-exported model runs the same in ORT.
        var again = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(ensemble), x, 3);
        Assert.Equal(ort.Labels, again.Labels);
        AssertScores(ort.Scores, again.Scores, 0, 0);
    }

    [Theory]
    [InlineData(1, TreePostTransform.None, TreeAggregate.Sum, 1)]
    [InlineData(2, TreePostTransform.Softmax, TreeAggregate.Sum, 3)]
    [InlineData(3, TreePostTransform.None, TreeAggregate.Average, 2)]
    [InlineData(4, TreePostTransform.Logistic, TreeAggregate.Average, 4)]
    [InlineData(23, TreePostTransform.Logistic, TreeAggregate.Average, 4)]
    public void Random_regressors_match_OnnxRuntime(int seed, TreePostTransform transform, TreeAggregate aggregate, int targets)
    {
        var random = new Random(seed);
        var ensemble = RandomEnsembles.Create(random, TreeEnsembleKind.Regressor, features: 6, targets, trees: 7, transform) with { Aggregate = aggregate };
        float[] x = [.. Enumerable.Range(0, 6 * 500).Select(_ => random.Next(10) == 0 ? float.NaN : (float)Math.Round((random.NextDouble() * 4) - 2, 1))];
        var ort = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(ensemble), x, 6);
        var ours = TreeEnsembleEvaluator.Predict(ensemble, x);
        AssertScores(ort.Scores, ours.Scores, transform == TreePostTransform.None ? 0 : 1e-6, 0);
    }

    [Theory]
    [InlineData(5, TreePostTransform.None)]
    [InlineData(6, TreePostTransform.Softmax)]
    [InlineData(7, TreePostTransform.Logistic)]
    public void Random_classifiers_match_OnnxRuntime(int seed, TreePostTransform transform)
    {
        var random = new Random(seed);
        var ensemble = RandomEnsembles.Create(random, TreeEnsembleKind.Classifier, features: 5, targets: 5, trees: 12, transform);
        float[] x = [.. Enumerable.Range(0, 5 * 1000).Select(_ => random.Next(20) == 0 ? float.NaN : (float)Math.Round((random.NextDouble() * 4) - 2, 1))];
        var ort = OrtTreeOracle.Run(TreeEnsembleExporter.ToBytes(ensemble), x, 5);
        AssertSame(ort, ensemble, TreeEnsembleEvaluator.Predict(ensemble, x), transform == TreePostTransform.None);
    }

    private static void AssertSame(OrtTreeResult ort, TreeEnsemble ensemble, TreePrediction ours, bool exactScores)
    {
        Assert.Equal(ort.Labels, ours.Classes.Select(ensemble.LabelText).ToArray());
        AssertScores(ort.Scores, ours.Scores, exactScores ? 0 : 1e-6, 0);
    }

    public static TheoryData<string, string, string> Malformed() => new()
    {
        { "nodes_truenodeids", "99", "node ids out of range" },
        { "cycle", "reached twice", "form a cycle" },
        { "nodes_featureids", "nodes_featureids has 13 entries but nodes_treeids has 14", "same length" },
        { "nodes_modes", "BRANCH_SOMETIMES", "expected BRANCH_LEQ" },
        { "class_ids", "class_ids[0] is 9", "outside 0..3" },
        { "class_nodeids", "node 1 of tree 7 is a BRANCH_LT branch", "not a LEAF" },
        { "post_transform", "PROBIT", "not supported" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_ensembles_are_rejected_with_a_message_naming_the_attribute(string breakage, string expected1, string expected2)
    {
        var proto = HandcraftedClassifier("NONE", false, false);
        var attrs = proto.Graph.Node[0].Attribute;
        P.AttributeProto Get(string name) => attrs.Single(a => a.Name == name);
        switch (breakage)
        {
            case "nodes_truenodeids": Get(breakage).Ints[1] = 99; break;
            case "cycle": Get("nodes_falsenodeids").Ints[2] = 0; break;
            case "nodes_featureids": Get(breakage).Ints.RemoveAt(0); break;
            case "nodes_modes": Get(breakage).Strings[2] = ByteString.CopyFromUtf8("BRANCH_SOMETIMES"); break;
            case "class_ids": Get(breakage).Ints[0] = 9; break;
            case "class_nodeids": Get(breakage).Ints[0] = 1; break;
            case "post_transform": Get(breakage).S = ByteString.CopyFromUtf8("PROBIT"); break;
        }

        var e = Assert.Throws<EdgePruneException>(() => TreeEnsembleImporter.Load(proto.ToByteArray(), "bad.onnx"));
        Assert.Contains("bad.onnx", e.Message);
        Assert.Contains(expected1, e.Message);
        Assert.Contains(expected2, e.Message);
    }

    [Fact]
    public void Network_importer_points_tree_models_to_the_tree_commands()
    {
        var e = Assert.Throws<EdgePruneException>(() => Core.Onnx.OnnxImporter.Load(HandcraftedClassifier("NONE", false, false).ToByteArray(), "forest.onnx"));
        Assert.Contains("tree-ensemble model", e.Message);
        Assert.Contains("edgeprune tree", e.Message);
    }

    private static void AssertScores(float[] expected, float[] actual, double atol, double rtol) =>
        Agreement.AssertClose(Ir.Tensor.FromArray(expected, expected.Length), Ir.Tensor.FromArray(actual, actual.Length), (float)atol, (float)rtol, "scores");

    private static P.AttributeProto Ints(string name, long[] values) => new() { Name = name, Type = P.AttributeProto.Types.AttributeType.Ints, Ints = { values } };

    private static P.AttributeProto Strings(string name, string[] values) => new() { Name = name, Type = P.AttributeProto.Types.AttributeType.Strings, Strings = { values.Select(ByteString.CopyFromUtf8) } };

    private static P.ValueInfoProto Value(string name, P.TensorProto.Types.DataType type, int? columns)
    {
        var shape = new P.TensorShapeProto { Dim = { new P.TensorShapeProto.Types.Dimension { DimParam = "N" } } };
        if (columns is int c)
        {
            shape.Dim.Add(new P.TensorShapeProto.Types.Dimension { DimValue = c });
        }

        return new P.ValueInfoProto { Name = name, Type = new P.TypeProto { TensorType = new P.TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }
}
