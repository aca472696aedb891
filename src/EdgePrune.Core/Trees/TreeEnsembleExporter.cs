using EdgePrune.Core.IO;
using Google.Protobuf;
using P = EdgePrune.Core.Onnx.Proto;

namespace EdgePrune.Core.Trees;

/// <summary>
/// Writes a <see cref="TreeEnsemble"/> as an ONNX model with one ai.onnx.ml (opset 3) TreeEnsembleClassifier or
/// TreeEnsembleRegressor node. Input: float [N, features]. Classifier outputs: "label" [N] (int64 or string) and
/// "probabilities" [N, classes]; regressor output: "variable" [N, targets].
/// </summary>
public static class TreeEnsembleExporter
{
    public const int MlOpset = 3;

    public static void Save(TreeEnsemble ensemble, string path) => AtomicFile.WriteAllBytes(path, ToBytes(ensemble));

    public static byte[] ToBytes(TreeEnsemble ensemble) => ToProto(ensemble).ToByteArray();

    internal static P.ModelProto ToProto(TreeEnsemble ensemble)
    {
        ensemble.Validate("tree ensemble to export");
        bool classifier = ensemble.Kind == TreeEnsembleKind.Classifier;
        var node = new P.NodeProto
        {
            Name = classifier ? "tree_classifier" : "tree_regressor",
            OpType = classifier ? "TreeEnsembleClassifier" : "TreeEnsembleRegressor",
            Domain = TreeEnsembleImporter.MlDomain,
            Input = { ensemble.InputName },
        };
        var treeIds = new List<long>();
        var nodeIds = new List<long>();
        var features = new List<long>();
        var values = new List<float>();
        var modes = new List<string>();
        var trueIds = new List<long>();
        var falseIds = new List<long>();
        var missing = new List<long>();
        var leafTree = new List<long>();
        var leafNode = new List<long>();
        var leafTarget = new List<long>();
        var leafWeight = new List<float>();
        for (int t = 0; t < ensemble.Trees.Length; t++)
        {
            var nodes = ensemble.Trees[t].Nodes;
            for (int i = 0; i < nodes.Length; i++)
            {
                var n = nodes[i];
                treeIds.Add(t);
                nodeIds.Add(i);
                modes.Add(n.Mode.OnnxName());
                features.Add(n.IsLeaf ? 0 : n.Feature);
                values.Add(n.IsLeaf ? 0 : n.Threshold);
                trueIds.Add(n.IsLeaf ? 0 : n.TrueChild);
                falseIds.Add(n.IsLeaf ? 0 : n.FalseChild);
                missing.Add(n.MissingTracksTrue ? 1 : 0);
                foreach (var w in n.Weights)
                {
                    leafTree.Add(t);
                    leafNode.Add(i);
                    leafTarget.Add(w.Target);
                    leafWeight.Add(w.Value);
                }
            }
        }

        string prefix = classifier ? "class" : "target";
        node.Attribute.Add(Ints("nodes_treeids", treeIds));
        node.Attribute.Add(Ints("nodes_nodeids", nodeIds));
        node.Attribute.Add(Ints("nodes_featureids", features));
        node.Attribute.Add(Floats("nodes_values", values));
        node.Attribute.Add(Strings("nodes_modes", modes));
        node.Attribute.Add(Ints("nodes_truenodeids", trueIds));
        node.Attribute.Add(Ints("nodes_falsenodeids", falseIds));
        if (missing.Any(m => m != 0))
        {
            node.Attribute.Add(Ints("nodes_missing_value_tracks_true", missing));
        }

        node.Attribute.Add(Ints($"{prefix}_treeids", leafTree));
        node.Attribute.Add(Ints($"{prefix}_nodeids", leafNode));
        node.Attribute.Add(Ints($"{prefix}_ids", leafTarget));
        node.Attribute.Add(Floats($"{prefix}_weights", leafWeight));
        node.Attribute.Add(new P.AttributeProto { Name = "post_transform", Type = P.AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(ensemble.PostTransform.ToString().ToUpperInvariant()) });
        if (!ensemble.BaseValues.IsEmpty)
        {
            node.Attribute.Add(Floats("base_values", ensemble.BaseValues));
        }

        var graph = new P.GraphProto { Name = classifier ? "tree_ensemble_classifier" : "tree_ensemble_regressor" };
        graph.Input.Add(ValueInfo(ensemble.InputName, P.TensorProto.Types.DataType.Float, ensemble.FeatureCount));
        if (classifier)
        {
            if (ensemble.HasStringLabels)
            {
                node.Attribute.Add(Strings("classlabels_strings", ensemble.StringLabels));
            }
            else
            {
                node.Attribute.Add(Ints("classlabels_int64s", ensemble.Int64Labels));
            }

            node.Output.Add("label");
            node.Output.Add("probabilities");
            graph.Output.Add(ValueInfo("label", ensemble.HasStringLabels ? P.TensorProto.Types.DataType.String : P.TensorProto.Types.DataType.Int64, null));
            graph.Output.Add(ValueInfo("probabilities", P.TensorProto.Types.DataType.Float, ensemble.TargetCount));
        }
        else
        {
            node.Attribute.Add(new P.AttributeProto { Name = "n_targets", Type = P.AttributeProto.Types.AttributeType.Int, I = ensemble.TargetCount });
            node.Attribute.Add(new P.AttributeProto { Name = "aggregate_function", Type = P.AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(ensemble.Aggregate.ToString().ToUpperInvariant()) });
            node.Output.Add("variable");
            graph.Output.Add(ValueInfo("variable", P.TensorProto.Types.DataType.Float, ensemble.TargetCount));
        }

        graph.Node.Add(node);
        return new P.ModelProto
        {
            IrVersion = 8,
            ProducerName = "EdgePrune",
            Graph = graph,
            OpsetImport =
            {
                new P.OperatorSetIdProto { Domain = "", Version = 17 },
                new P.OperatorSetIdProto { Domain = TreeEnsembleImporter.MlDomain, Version = MlOpset },
            },
        };
    }

    private static P.ValueInfoProto ValueInfo(string name, P.TensorProto.Types.DataType type, int? columns)
    {
        var shape = new P.TensorShapeProto { Dim = { new P.TensorShapeProto.Types.Dimension { DimParam = "N" } } };
        if (columns is int c)
        {
            shape.Dim.Add(new P.TensorShapeProto.Types.Dimension { DimValue = c });
        }

        return new P.ValueInfoProto
        {
            Name = name,
            Type = new P.TypeProto { TensorType = new P.TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static P.AttributeProto Ints(string name, IEnumerable<long> values) =>
        new() { Name = name, Type = P.AttributeProto.Types.AttributeType.Ints, Ints = { values } };

    private static P.AttributeProto Floats(string name, IEnumerable<float> values) =>
        new() { Name = name, Type = P.AttributeProto.Types.AttributeType.Floats, Floats = { values } };

    private static P.AttributeProto Strings(string name, IEnumerable<string> values) =>
        new() { Name = name, Type = P.AttributeProto.Types.AttributeType.Strings, Strings = { values.Select(ByteString.CopyFromUtf8) } };
}
