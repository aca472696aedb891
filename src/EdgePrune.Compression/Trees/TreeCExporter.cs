using System.Globalization;
using System.Text;
using EdgePrune.Core;
using EdgePrune.Core.Devices;
using EdgePrune.Core.Trees;

namespace EdgePrune.Compression.Trees;

public enum CTreeLayout
{
    /// <summary>One function per tree of nested if/else; thresholds and votes live in the code.</summary>
    IfElse,

    /// <summary>Constant node tables with the narrowest index types and one small loop; needs dense leaves.</summary>
    NodeArrays,
}

/// <summary>Element type of the generated <c>predict</c> function's feature input.</summary>
public enum CFeatureType
{
    Float,
    UInt8,
    Int8,
    Int16,
}

public sealed record CTreeOptions
{
    /// <summary>C identifier prefix and file stem.</summary>
    public string Name { get; init; } = "tree_model";

    public CTreeLayout Layout { get; init; } = CTreeLayout.NodeArrays;

    /// <summary>Integer feature types need integer thresholds (see <see cref="ThresholdQuantizer"/>).</summary>
    public CFeatureType FeatureType { get; init; } = CFeatureType.Float;
}

/// <summary>
/// The generated files and their cost. <see cref="TableBytes"/> is the exact size of the constant tables (node arrays
/// layout) or, for if/else, of the equivalent tables, since code size depends on the compiler. RAM is the caller's score
/// buffer plus a few locals (and one byte per class for sparse if/else models).
/// </summary>
public sealed record CTreeSource(string HeaderFile, string Header, string SourceFile, string Source, long TableBytes, IReadOnlyList<string> TableSizes)
{
    /// <summary>Whether the tables fit the device's model flash budget.</summary>
    public bool FitsFlash(DeviceProfile device) => TableBytes <= device.ModelFlashBudgetBytes;
}

/// <summary>
/// Generates C99 (no malloc, no globals written, compiles with <c>gcc -std=c99 -Wall -Wextra -Werror -pedantic</c>) that
/// evaluates a tree ensemble with the same float operations in the same order as ONNX Runtime, so labels and raw scores
/// match exactly. API: <c>int NAME_predict(const NAME_feature_t *features, float *scores)</c> returns the class index
/// (0 for regressors) and fills <c>scores</c> [NAME_OUTPUT_COUNT], post-transform applied.
/// </summary>
public static class TreeCExporter
{
    public static CTreeSource Generate(TreeEnsemble ensemble, CTreeOptions options)
    {
        ensemble.Validate("tree ensemble to export as C");
        string name = options.Name;
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new EdgePruneException($"'{name}' is not a C identifier; pick a name of letters, digits and underscores");
        }

        string? intThreshold = ThresholdQuantizer.IntegerThresholdType(ensemble);
        if (options.FeatureType != CFeatureType.Float && intThreshold is null)
        {
            throw new EdgePruneException($"{options.FeatureType} features need integer thresholds; quantize the thresholds first (ThresholdQuantizer / `edgeprune tree export --features uint8`)");
        }

        if (ensemble.Trees.SelectMany(t => t.Nodes).Any(n => !n.IsLeaf && !float.IsFinite(n.Threshold)))
        {
            throw new EdgePruneException("the ensemble has an infinite threshold, which the C export does not write");
        }

        bool dense = ensemble.Trees.All(t => t.Nodes.All(n => !n.IsLeaf || IsDense(n, ensemble.TargetCount)));
        if (options.Layout == CTreeLayout.NodeArrays && !dense)
        {
            throw new EdgePruneException("the node-array layout needs every leaf to vote once for every class in class order; use the if/else layout for this model");
        }

        var w = new Writer(ensemble, options, intThreshold, dense);
        return w.Build();
    }

    private static bool IsDense(TreeNode leaf, int targets) =>
        leaf.Weights.Length == targets && leaf.Weights.Select((x, k) => x.Target == k).All(b => b);

    internal static string Float(float v) => v.ToString("G9", CultureInfo.InvariantCulture) switch
    {
        var s when s.Contains('E') || s.Contains('.') => s + "f",
        var s => s + ".0f",
    };

    private static string IndexType(long maxValue) => maxValue <= byte.MaxValue ? "uint8_t" : maxValue <= ushort.MaxValue ? "uint16_t" : "uint32_t";

    private static int SizeOf(string cType) => cType switch
    {
        "uint8_t" or "int8_t" => 1,
        "uint16_t" or "int16_t" => 2,
        "int64_t" => 8,
        _ => 4,
    };

    private sealed class Writer(TreeEnsemble e, CTreeOptions o, string? intThreshold, bool dense)
    {
        private readonly string _n = o.Name;
        private readonly string _upper = o.Name.ToUpperInvariant();
        private readonly bool _integer = o.FeatureType != CFeatureType.Float;
        private readonly List<string> _sizes = [];
        private long _tableBytes;

        private string FeatureCType => o.FeatureType switch
        {
            CFeatureType.UInt8 => "uint8_t",
            CFeatureType.Int8 => "int8_t",
            CFeatureType.Int16 => "int16_t",
            _ => "float",
        };

        private string ThresholdCType => _integer ? intThreshold! : "float";

        private string Threshold(float t) => _integer ? ((int)t).ToString(CultureInfo.InvariantCulture) : Float(t);

        public CTreeSource Build()
        {
            var c = new StringBuilder();
            c.AppendLine($"/* Generated by EdgePrune from a {e.Trees.Length}-tree {e.Kind.ToString().ToLowerInvariant()} ({e.NodeCount} nodes). Do not edit. */");
            c.AppendLine($"#include \"{_n}.h\"");
            if (e.PostTransform != TreePostTransform.None)
            {
                c.AppendLine("#include <math.h>");
            }

            c.AppendLine();
            WriteLabels(c);
            if (o.Layout == CTreeLayout.IfElse)
            {
                WriteIfElse(c);
            }
            else
            {
                WriteArrays(c);
            }

            if (o.Layout == CTreeLayout.IfElse)
            {
                // The if/else layout keeps the same information in code; count what the tables would take, for comparison.
                _tableBytes = ArrayEquivalentBytes();
            }

            WritePredict(c);
            var h = new StringBuilder();
            h.AppendLine($"/* Generated by EdgePrune. {e.FeatureCount} features in, {e.TargetCount} scores out. */");
            h.AppendLine($"#ifndef {_upper}_H");
            h.AppendLine($"#define {_upper}_H");
            h.AppendLine();
            h.AppendLine("#include <stdint.h>");
            h.AppendLine();
            h.AppendLine($"#define {_upper}_FEATURE_COUNT {e.FeatureCount}");
            h.AppendLine($"#define {_upper}_OUTPUT_COUNT {e.TargetCount}");
            h.AppendLine($"typedef {FeatureCType} {_n}_feature_t;");
            if (e.Kind == TreeEnsembleKind.Classifier)
            {
                h.AppendLine(e.HasStringLabels ? $"extern const char *const {_n}_labels[{_upper}_OUTPUT_COUNT];" : $"extern const int64_t {_n}_labels[{_upper}_OUTPUT_COUNT];");
            }

            h.AppendLine();
            h.AppendLine($"/* Scores a sample: features [{_upper}_FEATURE_COUNT] in, scores [{_upper}_OUTPUT_COUNT] out (post-transform {e.PostTransform.ToString().ToUpperInvariant()}).");
            h.AppendLine(" * Returns the winning class index (look up its label in _labels), or 0 for a regressor. No allocation, reentrant. */");
            h.AppendLine($"int {_n}_predict(const {_n}_feature_t *features, float *scores);");
            h.AppendLine();
            h.AppendLine($"#endif /* {_upper}_H */");
            return new CTreeSource($"{_n}.h", h.ToString(), $"{_n}.c", c.ToString(), _tableBytes, _sizes);
        }

        private void WriteLabels(StringBuilder c)
        {
            if (e.Kind != TreeEnsembleKind.Classifier)
            {
                return;
            }

            string values = e.HasStringLabels
                ? string.Join(", ", e.StringLabels.Select(CString))
                : string.Join(", ", e.Int64Labels.Select(l => $"INT64_C({l})"));
            c.AppendLine(e.HasStringLabels
                ? $"const char *const {_n}_labels[{_upper}_OUTPUT_COUNT] = {{ {values} }};"
                : $"const int64_t {_n}_labels[{_upper}_OUTPUT_COUNT] = {{ {values} }};");
            c.AppendLine();
        }

        private static string CString(string s)
        {
            var b = new StringBuilder("\"");
            foreach (byte ch in Encoding.UTF8.GetBytes(s))
            {
                b.Append(ch is >= 0x20 and < 0x7f && ch != '"' && ch != '\\' && ch != '?' ? ((char)ch).ToString() : $"\\{Convert.ToString(ch, 8).PadLeft(3, '0')}");
            }

            return b.Append('"').ToString();
        }

        private void WriteIfElse(StringBuilder c)
        {
            if (_integer)
            {
                // Reading through an int keeps -Wtype-limits quiet for thresholds at the edge of the feature type's range.
                c.AppendLine($"static int {_n}_x(const {_n}_feature_t *x, int i) {{ return (int)x[i]; }}");
                c.AppendLine();
            }

            for (int t = 0; t < e.Trees.Length; t++)
            {
                string hasParam = dense ? "" : ", unsigned char *has";
                c.AppendLine($"static void {_n}_tree_{t}(const {_n}_feature_t *x, float *s{hasParam})");
                c.AppendLine("{");
                if (e.Trees[t].Nodes[0].IsLeaf)
                {
                    c.AppendLine("    (void)x;");
                }

                WriteNode(c, e.Trees[t], 0, 1);
                c.AppendLine("}");
                c.AppendLine();
            }
        }

        private void WriteNode(StringBuilder c, DecisionTree tree, int i, int depth)
        {
            string pad = new(' ', 4 * depth);
            var node = tree.Nodes[i];
            if (node.IsLeaf)
            {
                foreach (var w in node.Weights)
                {
                    c.Append(pad).Append($"s[{w.Target}] += {Float(w.Value)};");
                    c.AppendLine(dense ? "" : $" has[{w.Target}] = 1;");
                }

                return;
            }

            string x = _integer ? $"{_n}_x(x, {node.Feature})" : $"x[{node.Feature}]";
            string condition = $"{x} {node.Mode.COperator()} {Threshold(node.Threshold)}";
            if (node.MissingTracksTrue && !_integer)
            {
                condition += $" || x[{node.Feature}] != x[{node.Feature}]";
            }

            c.Append(pad).AppendLine($"if ({condition}) {{");
            WriteNode(c, tree, node.TrueChild, depth + 1);
            c.Append(pad).AppendLine("} else {");
            WriteNode(c, tree, node.FalseChild, depth + 1);
            c.Append(pad).AppendLine("}");
        }

        private (string Child, string Feature, string TreeStart, string LeafStart) Types()
        {
            int maxNodes = e.Trees.Max(t => t.NodeCount);
            return (IndexType(maxNodes - 1), IndexType(e.FeatureCount - 1), IndexType(e.NodeCount), IndexType(e.LeafCount));
        }

        private long ArrayEquivalentBytes()
        {
            var (child, feature, treeStart, leafStart) = Types();
            long nodes = e.NodeCount;
            return (nodes * (SizeOf(feature) + SizeOf(ThresholdCType) + 1 + (2 * SizeOf(child))))
                + ((e.Trees.Length + 1) * (SizeOf(treeStart) + SizeOf(leafStart)))
                + ((long)e.LeafCount * e.TargetCount * 4);
        }

        private void WriteArrays(StringBuilder c)
        {
            var (child, feature, treeStart, leafStart) = Types();
            var features = new List<string>();
            var thresholds = new List<string>();
            var modes = new List<string>();
            var trueChildren = new List<string>();
            var falseChildren = new List<string>();
            var treeStarts = new List<string>();
            var leafStarts = new List<string>();
            var values = new List<string>();
            int nodeBase = 0, leafBase = 0;
            foreach (var tree in e.Trees)
            {
                treeStarts.Add(nodeBase.ToString(CultureInfo.InvariantCulture));
                leafStarts.Add(leafBase.ToString(CultureInfo.InvariantCulture));
                int leafOrdinal = 0;
                foreach (var n in tree.Nodes)
                {
                    features.Add((n.IsLeaf ? 0 : n.Feature).ToString(CultureInfo.InvariantCulture));
                    thresholds.Add(n.IsLeaf ? (_integer ? "0" : "0.0f") : Threshold(n.Threshold));
                    modes.Add(((int)n.Mode + (n.MissingTracksTrue && !_integer ? 8 : 0)).ToString(CultureInfo.InvariantCulture));
                    if (n.IsLeaf)
                    {
                        trueChildren.Add(leafOrdinal.ToString(CultureInfo.InvariantCulture));
                        falseChildren.Add("0");
                        values.AddRange(n.Weights.Select(w => Float(w.Value)));
                        leafOrdinal++;
                    }
                    else
                    {
                        trueChildren.Add(n.TrueChild.ToString(CultureInfo.InvariantCulture));
                        falseChildren.Add(n.FalseChild.ToString(CultureInfo.InvariantCulture));
                    }
                }

                nodeBase += tree.NodeCount;
                leafBase += leafOrdinal;
            }

            c.AppendLine("/* Per node (all trees, tree by tree): tested feature, threshold, mode (0 <=, 1 <, 2 >=, 3 >, 4 ==, 5 !=, 6 leaf; +8: NaN goes");
            c.AppendLine(" * to the true child), true / false child (tree-local index; for a leaf, true holds its leaf number in the tree). */");
            Table(c, feature, "feature", features);
            Table(c, ThresholdCType, "threshold", thresholds);
            Table(c, "uint8_t", "mode", modes);
            Table(c, child, "true_child", trueChildren);
            Table(c, child, "false_child", falseChildren);
            c.AppendLine("/* First node and first leaf of each tree. */");
            Table(c, treeStart, "tree_start", treeStarts);
            Table(c, leafStart, "leaf_start", leafStarts);
            c.AppendLine($"/* Votes: {_upper}_OUTPUT_COUNT per leaf, in class order. */");
            Table(c, "float", "leaf_values", values);
        }

        private void Table(StringBuilder c, string type, string name, List<string> values)
        {
            long bytes = (long)values.Count * SizeOf(type);
            _tableBytes += bytes;
            _sizes.Add($"{name}: {values.Count} x {type} = {bytes} bytes");
            c.AppendLine($"static const {type} {_n}_{name}[{values.Count}] = {{");
            for (int i = 0; i < values.Count; i += 16)
            {
                c.Append("    ").AppendLine(string.Join(", ", values.Skip(i).Take(16)) + ",");
            }

            c.AppendLine("};");
            c.AppendLine();
        }

        private void WritePredict(StringBuilder c)
        {
            bool classifier = e.Kind == TreeEnsembleKind.Classifier;
            c.AppendLine($"int {_n}_predict(const {_n}_feature_t *features, float *scores)");
            c.AppendLine("{");
            c.AppendLine("    int k;");
            if (!dense)
            {
                c.AppendLine($"    unsigned char has[{_upper}_OUTPUT_COUNT];");
            }

            if (classifier)
            {
                c.AppendLine("    int best = -1;");
            }

            if (o.Layout == CTreeLayout.NodeArrays)
            {
                c.AppendLine($"    unsigned t;");
            }

            c.AppendLine($"    for (k = 0; k < {_upper}_OUTPUT_COUNT; ++k) {{");
            c.AppendLine(dense ? "        scores[k] = 0.0f;" : "        scores[k] = 0.0f;\n        has[k] = 0;");
            c.AppendLine("    }");
            if (o.Layout == CTreeLayout.IfElse)
            {
                for (int t = 0; t < e.Trees.Length; t++)
                {
                    c.AppendLine($"    {_n}_tree_{t}(features, scores{(dense ? "" : ", has")});");
                }
            }
            else
            {
                WriteArrayLoop(c);
            }

            if (e.Aggregate == TreeAggregate.Average)
            {
                c.AppendLine($"    for (k = 0; k < {_upper}_OUTPUT_COUNT; ++k) {{");
                c.AppendLine($"        scores[k] /= {Float(e.Trees.Length)};");
                c.AppendLine("    }");
            }

            // As ONNX Runtime: a class without a vote still gets its base value (and counts as voted); a regression
            // target without a vote stays 0, base value or not.
            for (int k = 0; k < e.BaseValues.Length; k++)
            {
                string baseValue = Float(e.BaseValues[k]);
                c.AppendLine(dense
                    ? $"    scores[{k}] += {baseValue};"
                    : classifier
                    ? $"    scores[{k}] = has[{k}] ? scores[{k}] + {baseValue} : {baseValue};\n    has[{k}] = 1;"
                    : $"    scores[{k}] = has[{k}] ? scores[{k}] + {baseValue} : 0.0f;");
            }

            if (classifier)
            {
                // As ONNX Runtime: classes without a vote are skipped, the first of equal scores wins, before the transform.
                c.AppendLine($"    for (k = 0; k < {_upper}_OUTPUT_COUNT; ++k) {{");
                c.AppendLine($"        if ({(dense ? "" : "has[k] && ")}(best < 0 || scores[k] > scores[best])) {{");
                c.AppendLine("            best = k;");
                c.AppendLine("        }");
                c.AppendLine("    }");
            }

            WriteTransform(c);
            c.AppendLine(classifier ? "    return best < 0 ? 0 : best;" : "    return 0;");
            c.AppendLine("}");
        }

        private void WriteArrayLoop(StringBuilder c)
        {
            string v = _integer ? "int" : "float";
            c.AppendLine($"    for (t = 0; t < {e.Trees.Length}u; ++t) {{");
            c.AppendLine($"        const uint32_t base = {_n}_tree_start[t];");
            c.AppendLine("        uint32_t i = 0;");
            c.AppendLine("        const float *votes;");
            c.AppendLine($"        while (({_n}_mode[base + i] & 7u) != 6u) {{");
            c.AppendLine($"            const {v} x = ({v})features[{_n}_feature[base + i]];");
            c.AppendLine($"            const {v} th = ({v}){_n}_threshold[base + i];");
            c.AppendLine("            int go;");
            c.AppendLine($"            switch ({_n}_mode[base + i] & 7u) {{");
            c.AppendLine("            case 0: go = x <= th; break;");
            c.AppendLine("            case 1: go = x < th; break;");
            c.AppendLine("            case 2: go = x >= th; break;");
            c.AppendLine("            case 3: go = x > th; break;");
            c.AppendLine("            case 4: go = x == th; break;");
            c.AppendLine("            default: go = x != th; break;");
            c.AppendLine("            }");
            if (!_integer)
            {
                c.AppendLine($"            if (!go && ({_n}_mode[base + i] & 8u) && x != x) {{");
                c.AppendLine("                go = 1;");
                c.AppendLine("            }");
            }

            c.AppendLine($"            i = go ? {_n}_true_child[base + i] : {_n}_false_child[base + i];");
            c.AppendLine("        }");
            c.AppendLine($"        votes = &{_n}_leaf_values[((uint32_t){_n}_leaf_start[t] + {_n}_true_child[base + i]) * {_upper}_OUTPUT_COUNT];");
            c.AppendLine($"        for (k = 0; k < {_upper}_OUTPUT_COUNT; ++k) {{");
            c.AppendLine("            scores[k] += votes[k];");
            c.AppendLine("        }");
            c.AppendLine("    }");
        }

        private void WriteTransform(StringBuilder c)
        {
            switch (e.PostTransform)
            {
                case TreePostTransform.Softmax:
                    c.AppendLine("    {");
                    c.AppendLine("        float max = scores[0], sum = 0.0f;");
                    c.AppendLine($"        for (k = 1; k < {_upper}_OUTPUT_COUNT; ++k) {{ if (scores[k] > max) {{ max = scores[k]; }} }}");
                    c.AppendLine($"        for (k = 0; k < {_upper}_OUTPUT_COUNT; ++k) {{ scores[k] = expf(scores[k] - max); sum += scores[k]; }}");
                    c.AppendLine($"        for (k = 0; k < {_upper}_OUTPUT_COUNT; ++k) {{ scores[k] /= sum; }}");
                    c.AppendLine("    }");
                    break;
                case TreePostTransform.Logistic:
                    c.AppendLine($"    for (k = 0; k < {_upper}_OUTPUT_COUNT; ++k) {{");
                    c.AppendLine("        const float v = 1.0f / (1.0f + expf(-fabsf(scores[k])));");
                    c.AppendLine("        scores[k] = scores[k] < 0.0f ? 1.0f - v : v;");
                    c.AppendLine("    }");
                    break;
            }
        }
    }
}
