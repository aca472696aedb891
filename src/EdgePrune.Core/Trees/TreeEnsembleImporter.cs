using System.Collections.Immutable;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using Google.Protobuf;
using P = EdgePrune.Core.Onnx.Proto;

namespace EdgePrune.Core.Trees;

/// <summary>
/// Reads an ONNX model whose graph is one ai.onnx.ml <c>TreeEnsembleClassifier</c> or <c>TreeEnsembleRegressor</c>
/// (ai.onnx.ml opsets 1 to 3, as skl2onnx writes with <c>zipmap=False</c>) into a <see cref="TreeEnsemble"/>.
/// Every inconsistency (attribute lengths, node ids, cycles, modes) is an <see cref="EdgePruneException"/> that names the
/// attribute and the problem.
/// </summary>
public static class TreeEnsembleImporter
{
    public const string MlDomain = "ai.onnx.ml";

    public static TreeEnsemble Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgePruneException($"{path}: cannot read the model file ({e.Message})", e);
        }

        return Load(bytes, path);
    }

    /// <summary>Whether <paramref name="bytes"/> is an ONNX model containing a tree-ensemble node (cheap sniffing for the CLI).</summary>
    public static bool IsTreeModel(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var proto = P.ModelProto.Parser.ParseFrom(bytes.ToArray());
            return proto.Graph?.Node.Any(IsTreeNode) == true;
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    public static TreeEnsemble Load(ReadOnlySpan<byte> bytes, string sourceName)
    {
        P.ModelProto proto;
        try
        {
            proto = P.ModelProto.Parser.ParseFrom(bytes.ToArray());
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new EdgePruneException($"{sourceName}: not a valid ONNX file (protobuf decoding failed: {e.Message})", e);
        }

        var graph = proto.Graph ?? throw new EdgePruneException($"{sourceName}: not an ONNX model (no graph found)");
        var treeNodes = graph.Node.Where(IsTreeNode).ToList();
        if (treeNodes.Count != 1)
        {
            throw new EdgePruneException($"{sourceName}: expected exactly one ai.onnx.ml TreeEnsembleClassifier or TreeEnsembleRegressor node, found {treeNodes.Count}");
        }

        var others = graph.Node.Where(n => !IsTreeNode(n)).Select(n => $"{n.OpType} '{n.Name}'").ToList();
        if (others.Count > 0)
        {
            throw new EdgePruneException($"{sourceName}: the graph has nodes besides the tree ensemble ({string.Join(", ", others)}); EdgePrune reads a lone tree-ensemble node (convert with skl2onnx options {{'zipmap': False}})");
        }

        var mlOpset = proto.OpsetImport.FirstOrDefault(o => o.Domain == MlDomain);
        if (mlOpset is not null && mlOpset.Version is < 1 or > 3)
        {
            throw new EdgePruneException($"{sourceName}: ai.onnx.ml opset {mlOpset.Version} is not supported for tree ensembles (EdgePrune reads opsets 1 to 3)");
        }

        var node = treeNodes[0];
        if (graph.Input.Count != 1 || node.Input.Count != 1 || node.Input[0] != graph.Input[0].Name)
        {
            throw new EdgePruneException($"{sourceName}: the tree ensemble must read the graph's single input");
        }

        int? declaredFeatures = null;
        var inputType = graph.Input[0].Type?.TensorType;
        if (inputType?.Shape is { Dim.Count: 2 } shape && shape.Dim[1].ValueCase == P.TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
        {
            declaredFeatures = (int)shape.Dim[1].DimValue;
        }

        return Convert(node, new Attributes(node, $"{sourceName}: {node.OpType} '{node.Name}'"), graph.Input[0].Name, declaredFeatures);
    }

    private static bool IsTreeNode(P.NodeProto n) =>
        n.Domain == MlDomain && n.OpType is "TreeEnsembleClassifier" or "TreeEnsembleRegressor";

    private static TreeEnsemble Convert(P.NodeProto node, Attributes a, string inputName, int? declaredFeatures)
    {
        bool classifier = node.OpType == "TreeEnsembleClassifier";
        long[] treeIds = a.Ints("nodes_treeids", required: true);
        int count = treeIds.Length;
        long[] nodeIds = a.Ints("nodes_nodeids", required: true, length: count);
        long[] featureIds = a.Ints("nodes_featureids", required: true, length: count);
        string[] modeNames = a.Strings("nodes_modes", required: true, length: count);
        long[] trueIds = a.Ints("nodes_truenodeids", required: true, length: count);
        long[] falseIds = a.Ints("nodes_falsenodeids", required: true, length: count);
        long[] missing = a.Ints("nodes_missing_value_tracks_true", required: false, length: count);
        var modes = new TreeNodeMode[count];
        for (int i = 0; i < count; i++)
        {
            if (!TreeNodeModes.TryParse(modeNames[i], out modes[i]))
            {
                throw a.Error($"nodes_modes[{i}] is \"{modeNames[i]}\"; expected BRANCH_LEQ, BRANCH_LT, BRANCH_GTE, BRANCH_GT, BRANCH_EQ, BRANCH_NEQ or LEAF");
            }
        }

        double[] thresholds = a.Reals("nodes_values", length: count, modes.All(m => m == TreeNodeMode.Leaf));

        string prefix = classifier ? "class" : "target";
        long[] leafTreeIds = a.Ints($"{prefix}_treeids", required: true);
        long[] leafNodeIds = a.Ints($"{prefix}_nodeids", required: true, length: leafTreeIds.Length);
        long[] targetIds = a.Ints($"{prefix}_ids", required: true, length: leafTreeIds.Length);
        double[] weights = a.Reals($"{prefix}_weights", length: leafTreeIds.Length, optional: false);

        // Trees in order of first appearance, nodes in attribute order; ONNX Runtime takes each tree's first node as its root.
        var treeOrder = new List<long>();
        var byId = new Dictionary<(long Tree, long Node), int>();
        var positionInTree = new int[count];
        var treeIndexOf = new Dictionary<long, int>();
        var sizes = new List<int>();
        for (int i = 0; i < count; i++)
        {
            if (!treeIndexOf.TryGetValue(treeIds[i], out int t))
            {
                t = treeOrder.Count;
                treeIndexOf[treeIds[i]] = t;
                treeOrder.Add(treeIds[i]);
                sizes.Add(0);
            }

            positionInTree[i] = sizes[t]++;
            if (!byId.TryAdd((treeIds[i], nodeIds[i]), i))
            {
                throw a.Error($"nodes_nodeids[{i}]: tree {treeIds[i]} defines node {nodeIds[i]} twice");
            }
        }

        var leafWeights = new Dictionary<int, List<LeafWeight>>();
        int targetCount;
        ImmutableArray<long> intLabels = default;
        ImmutableArray<string> stringLabels = default;
        if (classifier)
        {
            long[] ints = a.Ints("classlabels_int64s", required: false);
            string[] strings = a.Strings("classlabels_strings", required: false);
            if ((ints.Length > 0) == (strings.Length > 0))
            {
                throw a.Error("needs exactly one of classlabels_int64s and classlabels_strings");
            }

            intLabels = ints.Length > 0 ? [.. ints] : default;
            stringLabels = strings.Length > 0 ? [.. strings] : default;
            targetCount = Math.Max(ints.Length, strings.Length);
        }
        else
        {
            targetCount = (int)a.Int("n_targets", 1);
        }

        for (int j = 0; j < leafTreeIds.Length; j++)
        {
            if (!byId.TryGetValue((leafTreeIds[j], leafNodeIds[j]), out int i))
            {
                throw a.Error($"{prefix}_nodeids[{j}]: tree {leafTreeIds[j]} has no node {leafNodeIds[j]}");
            }

            if (modes[i] != TreeNodeMode.Leaf)
            {
                throw a.Error($"{prefix}_nodeids[{j}]: node {leafNodeIds[j]} of tree {leafTreeIds[j]} is a {modes[i].OnnxName()} branch, not a LEAF");
            }

            if (targetIds[j] < 0 || targetIds[j] >= targetCount)
            {
                throw a.Error($"{prefix}_ids[{j}] is {targetIds[j]}, outside 0..{targetCount - 1}");
            }

            if (!leafWeights.TryGetValue(i, out var list))
            {
                leafWeights[i] = list = [];
            }

            list.Add(new LeafWeight((int)targetIds[j], (float)weights[j]));
        }

        var treeNodes = sizes.Select(s => new TreeNode[s]).ToArray();
        int maxFeature = -1;
        for (int i = 0; i < count; i++)
        {
            int t = treeIndexOf[treeIds[i]];
            if (modes[i] == TreeNodeMode.Leaf)
            {
                treeNodes[t][positionInTree[i]] = new TreeNode
                {
                    Mode = TreeNodeMode.Leaf,
                    Weights = leafWeights.TryGetValue(i, out var w) ? [.. w] : [],
                };
                continue;
            }

            int Child(long id, string attribute)
            {
                if (!byId.TryGetValue((treeIds[i], id), out int c))
                {
                    throw a.Error($"{attribute}[{i}] is {id}, but tree {treeIds[i]} has no node {id} (node ids out of range)");
                }

                return positionInTree[c];
            }

            if (featureIds[i] < 0 || featureIds[i] > int.MaxValue)
            {
                throw a.Error($"nodes_featureids[{i}] is {featureIds[i]}; feature indices must be non-negative");
            }

            maxFeature = Math.Max(maxFeature, (int)featureIds[i]);
            treeNodes[t][positionInTree[i]] = TreeNode.Branch(
                modes[i],
                (int)featureIds[i],
                ToFloatThreshold(thresholds[i], modes[i]),
                Child(trueIds[i], "nodes_truenodeids"),
                Child(falseIds[i], "nodes_falsenodeids"),
                missing.Length > 0 && missing[i] != 0);
        }

        var trees = treeNodes.Select((nodes, t) => DecisionTree.Create(nodes, $"{a.Where}: tree {treeOrder[t]}")).ToImmutableArray();
        int featureCount = declaredFeatures ?? maxFeature + 1;
        var ensemble = new TreeEnsemble
        {
            Kind = classifier ? TreeEnsembleKind.Classifier : TreeEnsembleKind.Regressor,
            Trees = trees,
            FeatureCount = Math.Max(featureCount, 1),
            TargetCount = targetCount,
            Int64Labels = intLabels,
            StringLabels = stringLabels,
            PostTransform = ParsePostTransform(a),
            Aggregate = classifier ? TreeAggregate.Sum : ParseAggregate(a),
            BaseValues = [.. a.Reals("base_values", length: -1, optional: true).Select(v => (float)v)],
            InputName = inputName,
        };
        ensemble.Validate(a.Where);
        return ensemble;
    }

    /// <summary>
    /// The float threshold that makes "float feature OP threshold" decide exactly as the double threshold of
    /// <c>nodes_values_as_tensor</c> would: round down for &lt;= and &gt;, up for &lt; and &gt;=.
    /// </summary>
    private static float ToFloatThreshold(double threshold, TreeNodeMode mode)
    {
        float nearest = (float)threshold;
        if (nearest == threshold || double.IsInfinity(threshold))
        {
            return nearest;
        }

        bool roundDown = mode is TreeNodeMode.BranchLeq or TreeNodeMode.BranchGt;
        if (mode is TreeNodeMode.BranchEq or TreeNodeMode.BranchNeq)
        {
            return nearest;
        }

        return roundDown
            ? (nearest > threshold ? MathF.BitDecrement(nearest) : nearest)
            : (nearest < threshold ? MathF.BitIncrement(nearest) : nearest);
    }

    private static TreePostTransform ParsePostTransform(Attributes a) => a.String("post_transform", "NONE") switch
    {
        "NONE" => TreePostTransform.None,
        "SOFTMAX" => TreePostTransform.Softmax,
        "LOGISTIC" => TreePostTransform.Logistic,
        var other => throw a.Error($"post_transform \"{other}\" is not supported (EdgePrune evaluates NONE, SOFTMAX and LOGISTIC)"),
    };

    private static TreeAggregate ParseAggregate(Attributes a) => a.String("aggregate_function", "SUM") switch
    {
        "SUM" => TreeAggregate.Sum,
        "AVERAGE" => TreeAggregate.Average,
        var other => throw a.Error($"aggregate_function \"{other}\" is not supported (EdgePrune evaluates SUM and AVERAGE)"),
    };

    /// <summary>Typed access to a node's attributes, with errors that name the node and the attribute.</summary>
    private sealed class Attributes(P.NodeProto node, string where)
    {
        private readonly Dictionary<string, P.AttributeProto> _byName = node.Attribute.GroupBy(x => x.Name).ToDictionary(g => g.Key, g => g.Last());

        public string Where { get; } = where;

        public EdgePruneException Error(string problem) => new($"{Where}: {problem}");

        public long[] Ints(string name, bool required, int length = -1)
        {
            if (!_byName.TryGetValue(name, out var attr))
            {
                return required ? throw Error($"attribute {name} is missing") : [];
            }

            return CheckLength(name, attr.Ints.ToArray(), length);
        }

        public string[] Strings(string name, bool required, int length = -1)
        {
            if (!_byName.TryGetValue(name, out var attr))
            {
                return required ? throw Error($"attribute {name} is missing") : [];
            }

            return CheckLength(name, attr.Strings.Select(s => s.ToStringUtf8()).ToArray(), length);
        }

        public long Int(string name, long fallback) => _byName.TryGetValue(name, out var attr) ? attr.I : fallback;

        public string String(string name, string fallback) => _byName.TryGetValue(name, out var attr) ? attr.S.ToStringUtf8() : fallback;

        /// <summary>A float list or its double-precision <c>_as_tensor</c> twin (exactly one may be present).</summary>
        public double[] Reals(string name, int length, bool optional)
        {
            bool hasFloats = _byName.TryGetValue(name, out var floats);
            bool hasTensor = _byName.TryGetValue(name + "_as_tensor", out var tensorAttr);
            if (hasFloats && hasTensor)
            {
                throw Error($"both {name} and {name}_as_tensor are set; use one");
            }

            double[] values;
            if (hasTensor)
            {
                var problems = new List<string>();
                var tensor = tensorAttr!.T is null ? null : OnnxImporter.ReadTensor(tensorAttr.T, $"attribute {name}_as_tensor", problems);
                if (tensor is null)
                {
                    throw Error(problems.Count > 0 ? string.Join("; ", problems) : $"attribute {name}_as_tensor holds no tensor");
                }

                values = tensor.DataType switch
                {
                    DataType.Double => tensor.Span<double>().ToArray(),
                    DataType.Float => [.. tensor.Span<float>().ToArray().Select(v => (double)v)],
                    _ => throw Error($"attribute {name}_as_tensor is {tensor.DataType.OnnxName()}; expected double or float"),
                };
                name += "_as_tensor";
            }
            else if (hasFloats)
            {
                values = [.. floats!.Floats.Select(v => (double)v)];
            }
            else
            {
                return optional ? [] : throw Error($"attribute {name} (or {name}_as_tensor) is missing");
            }

            return CheckLength(name, values, length);
        }

        private T[] CheckLength<T>(string name, T[] values, int length)
        {
            if (length >= 0 && values.Length != length)
            {
                string reference = name.StartsWith("nodes_", StringComparison.Ordinal) ? "nodes_treeids" : name.StartsWith("class_", StringComparison.Ordinal) ? "class_treeids" : "target_treeids";
                throw Error($"attribute {name} has {values.Length} entries but {reference} has {length}; all {name.Split('_')[0]}_* attributes must have the same length");
            }

            return values;
        }
    }
}
