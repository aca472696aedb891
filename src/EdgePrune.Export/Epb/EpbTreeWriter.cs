using System.Security.Cryptography;
using EdgePrune.Core;
using EdgePrune.Core.Trees;
using EdgePrune.Runtime.Format;

namespace EdgePrune.Export.Epb;

/// <summary>Bytes of one table of the trees section (before its 4-byte padding).</summary>
public sealed record TreeTableSize(string Table, long Bytes);

/// <summary>What <see cref="EpbTreeWriter"/> wrote: the file, its section report, and the trees section table by table.</summary>
public sealed record EpbTreeExport(byte[] Bytes, EpbReport Report, IReadOnlyList<TreeTableSize> Tables, string Layout);

/// <summary>
/// Writes a <see cref="TreeEnsemble"/> as an <c>.epb</c> file (docs/format.md "Trees section"): one TreeEnsemble node from
/// input [1, features] to scores [1, outputs], and the node tables at their narrowest exact types (feature index and child
/// reference widths by the largest index, integer thresholds when every threshold is an integer in range, dense leaf votes
/// when every leaf votes once for every output in order, stored once per distinct row when that is smaller). Class labels
/// go to the metadata as text.
/// </summary>
public static class EpbTreeWriter
{
    public static EpbTreeExport Write(TreeEnsemble ensemble, EpbWriteOptions? options = null)
    {
        options ??= new EpbWriteOptions();
        ensemble.Validate("tree ensemble to write as .epb");
        if (ensemble.TargetCount > ushort.MaxValue + 1)
        {
            throw new EdgePruneException($"the ensemble has {ensemble.TargetCount} outputs; the .epb trees section holds at most 65536");
        }

        var trees = new TreesSection(ensemble);
        byte[] treeBytes = trees.Serialize();
        int inputBytes = EpbLayout.AlignUp(4 * ensemble.FeatureCount, EpbLayout.DataAlignment);
        long arenaBytes = EpbLayout.AlignUp(inputBytes + (4L * ensemble.TargetCount), EpbLayout.DataAlignment);
        string output = ensemble.Kind == TreeEnsembleKind.Classifier ? "probabilities" : "variable";
        var labels = ensemble.Kind == TreeEnsembleKind.Classifier ? Enumerable.Range(0, ensemble.TargetCount).Select(ensemble.LabelText).ToList() : [];
        var sections = new List<(SectionKind Kind, byte[] Bytes)>
        {
            (SectionKind.Tensors, Section(w =>
            {
                w.Write(2u);
                foreach (var (name, width) in new[] { (ensemble.InputName, ensemble.FeatureCount), (output, ensemble.TargetCount) })
                {
                    EpbContainer.WriteString(w, name);
                    w.Write((byte)EpbDataType.Float32);
                    w.Write((byte)TensorKind.Activation);
                    w.Write((byte)2);
                    w.Write((byte)QuantKind.None);
                    w.Write(1);
                    w.Write(width);
                }
            })),
            (SectionKind.Graph, Section(w =>
            {
                w.Write(1u);
                w.Write((ushort)OpCode.TreeEnsemble);
                w.Write((byte)1);
                w.Write((byte)1);
                w.Write(0u);
                w.Write(1u);
                w.Write((ushort)0);
            })),
            (SectionKind.Weights, []),
            (SectionKind.Arena, Section(w =>
            {
                w.Write((ulong)arenaBytes);
                w.Write(2u);
                w.Write(0u);
                w.Write(0UL);
                w.Write(1u);
                w.Write((ulong)inputBytes);
            })),
            (SectionKind.Metadata, Section(w =>
            {
                w.Write(options.SourceModel is null ? new byte[32] : SHA256.HashData(options.SourceModel));
                EpbContainer.WriteString(w, options.Producer);
                w.Write(1u);
                w.Write(0u);
                w.Write(1u);
                w.Write(1u);
                w.Write((uint)labels.Count);
                foreach (string label in labels)
                {
                    EpbContainer.WriteString(w, label);
                }
            })),
            (SectionKind.Trees, treeBytes),
        };
        var file = EpbContainer.Assemble(sections);
        var report = new EpbReport(file.Length, sections.Select(s => new SectionSize(s.Kind.ToString().ToLowerInvariant(), s.Bytes.Length)).ToList(), [], arenaBytes, 1);
        return new EpbTreeExport(file, report, trees.Sizes, trees.Layout);
    }

    private static byte[] Section(Action<BinaryWriter> write)
    {
        var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            write(w);
        }

        return stream.ToArray();
    }

    /// <summary>The node tables: branches and leaves numbered per tree in pre-order (so the root is branch 0, or leaf 0 for a one-leaf tree).</summary>
    private sealed class TreesSection
    {
        private readonly TreeEnsemble _e;
        private readonly List<TreeNode> _branches = [];
        private readonly List<TreeNode> _leaves = [];
        private readonly List<(uint True, uint False)> _children = [];
        private readonly List<(int Branch, int Leaf)> _starts = [];
        private readonly bool _dense;
        private readonly List<float[]> _rows = [];
        private readonly int[] _leafRow;
        private readonly int _rowWidth;
        private readonly int _featureWidth;
        private readonly int _childWidth;
        private readonly TreeThresholdType _thresholdType;

        public TreesSection(TreeEnsemble ensemble)
        {
            _e = ensemble;
            uint largestReference = 0;
            foreach (var tree in ensemble.Trees)
            {
                _starts.Add((_branches.Count, _leaves.Count));
                var order = tree.PreOrder();
                var reference = new uint[tree.NodeCount];
                int branches = 0, leaves = 0;
                foreach (int i in order)
                {
                    reference[i] = tree.Nodes[i].IsLeaf ? ((uint)leaves++ << 1) | 1u : (uint)branches++ << 1;
                    largestReference = Math.Max(largestReference, reference[i]);
                }

                foreach (int i in order)
                {
                    var node = tree.Nodes[i];
                    if (node.IsLeaf)
                    {
                        _leaves.Add(node);
                    }
                    else
                    {
                        _branches.Add(node);
                        _children.Add((reference[node.TrueChild], reference[node.FalseChild]));
                    }
                }
            }

            _starts.Add((_branches.Count, _leaves.Count));
            _dense = _leaves.All(l => l.Weights.Length == ensemble.TargetCount && l.Weights.Select((w, k) => w.Target == k).All(b => b));
            _leafRow = new int[_leaves.Count];
            if (_dense)
            {
                // Identical rows (by bits, so the sums stay exact) are stored once: pure leaves share a handful.
                var rowIndex = new Dictionary<string, int>();
                for (int l = 0; l < _leaves.Count; l++)
                {
                    float[] row = [.. _leaves[l].Weights.Select(w => w.Value)];
                    string key = Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(row.AsSpan()));
                    if (!rowIndex.TryGetValue(key, out int index))
                    {
                        index = rowIndex[key] = _rows.Count;
                        _rows.Add(row);
                    }

                    _leafRow[l] = index;
                }
            }

            _rowWidth = Width((uint)Math.Max(0, _rows.Count - 1));
            _featureWidth = Width((uint)(ensemble.FeatureCount - 1));
            _childWidth = Width(largestReference);
            _thresholdType = ThresholdType(_branches.Select(b => b.Threshold).ToList());
        }

        public List<TreeTableSize> Sizes { get; } = [];

        public string Layout => $"{_e.Trees.Length} trees, {_branches.Count} branches, {_leaves.Count} leaves; feature index {_featureWidth * 8}-bit, thresholds {_thresholdType.ToString().ToLowerInvariant()}, child references {_childWidth * 8}-bit, " + VoteLayout switch
        {
            TreeVoteLayout.SharedRows => $"{_rows.Count} shared vote rows ({_rowWidth * 8}-bit row per leaf)",
            TreeVoteLayout.Dense => "dense votes",
            _ => "sparse votes",
        };

        /// <summary>Shared rows when they take fewer bytes than a row per leaf; sparse when leaves do not vote every output in order.</summary>
        private TreeVoteLayout VoteLayout => !_dense
            ? TreeVoteLayout.Sparse
            : ((long)_leaves.Count * _rowWidth) + ((long)_rows.Count * _e.TargetCount * 4) < (long)_leaves.Count * _e.TargetCount * 4 ? TreeVoteLayout.SharedRows : TreeVoteLayout.Dense;

        public byte[] Serialize()
        {
            var layout = VoteLayout;
            int votes = layout == TreeVoteLayout.SharedRows ? _rows.Count * _e.TargetCount : _leaves.Sum(l => l.Weights.Length);
            var stream = new MemoryStream();
            using var w = new BinaryWriter(stream);
            w.Write((uint)_e.Trees.Length);
            w.Write((uint)_branches.Count);
            w.Write((uint)_leaves.Count);
            w.Write((uint)votes);
            w.Write((uint)_e.FeatureCount);
            w.Write((uint)_e.TargetCount);
            w.Write((byte)(_e.Kind == TreeEnsembleKind.Classifier ? TreeModelKind.Classifier : TreeModelKind.Regressor));
            w.Write((byte)(_e.PostTransform switch
            {
                TreePostTransform.Softmax => TreeScoreTransform.Softmax,
                TreePostTransform.Logistic => TreeScoreTransform.Logistic,
                _ => TreeScoreTransform.None,
            }));
            w.Write((byte)(_e.Aggregate == TreeAggregate.Average ? TreeScoreAggregate.Average : TreeScoreAggregate.Sum));
            w.Write((byte)_featureWidth);
            w.Write((byte)_thresholdType);
            w.Write((byte)_childWidth);
            w.Write((byte)layout);
            w.Write((byte)(_e.BaseValues.IsEmpty ? 0 : 1));
            Sizes.Add(new("header", TreeTables.HeaderBytes));
            Table(w, "tree starts", () => _starts.ForEach(s => { w.Write((uint)s.Branch); w.Write((uint)s.Leaf); }));
            Table(w, "base values", () => _e.BaseValues.ToList().ForEach(w.Write));
            Table(w, "modes", () => _branches.ForEach(b => w.Write((byte)((int)b.Mode | (b.MissingTracksTrue ? 8 : 0)))));
            Table(w, "features", () => _branches.ForEach(b => WriteUnsigned(w, _featureWidth, (uint)b.Feature)));
            Table(w, "thresholds", () => _branches.ForEach(b => WriteThreshold(w, b.Threshold)));
            Table(w, "true children", () => _children.ForEach(c => WriteUnsigned(w, _childWidth, c.True)));
            Table(w, "false children", () => _children.ForEach(c => WriteUnsigned(w, _childWidth, c.False)));
            if (layout == TreeVoteLayout.SharedRows)
            {
                Table(w, "leaf rows", () => _leafRow.ToList().ForEach(r => WriteUnsigned(w, _rowWidth, (uint)r)));
                Table(w, "vote values", () => _rows.ForEach(row => row.ToList().ForEach(w.Write)));
                w.Flush();
                return stream.ToArray();
            }

            if (layout == TreeVoteLayout.Sparse)
            {
                Table(w, "vote starts", () =>
                {
                    uint start = 0;
                    w.Write(start);
                    foreach (var leaf in _leaves)
                    {
                        start += (uint)leaf.Weights.Length;
                        w.Write(start);
                    }
                });
                Table(w, "vote targets", () => _leaves.ForEach(l => l.Weights.ToList().ForEach(v => w.Write((ushort)v.Target))));
            }

            Table(w, "vote values", () => _leaves.ForEach(l => l.Weights.ToList().ForEach(v => w.Write(v.Value))));
            w.Flush();
            return stream.ToArray();
        }

        /// <summary>Writes one table, records its size, and pads the section to the next multiple of 4.</summary>
        private void Table(BinaryWriter w, string name, Action write)
        {
            w.Flush();
            long start = w.BaseStream.Position;
            write();
            w.Flush();
            long bytes = w.BaseStream.Position - start;
            if (bytes > 0)
            {
                Sizes.Add(new(name, bytes));
            }

            while (w.BaseStream.Position % 4 != 0)
            {
                w.Write((byte)0);
            }
        }

        private void WriteThreshold(BinaryWriter w, float threshold)
        {
            switch (_thresholdType)
            {
                case TreeThresholdType.UInt8:
                    w.Write((byte)threshold);
                    break;
                case TreeThresholdType.Int8:
                    w.Write((sbyte)threshold);
                    break;
                case TreeThresholdType.UInt16:
                    w.Write((ushort)threshold);
                    break;
                case TreeThresholdType.Int16:
                    w.Write((short)threshold);
                    break;
                default:
                    w.Write(threshold);
                    break;
            }
        }

        private static void WriteUnsigned(BinaryWriter w, int width, uint value)
        {
            switch (width)
            {
                case 1:
                    w.Write((byte)value);
                    break;
                case 2:
                    w.Write((ushort)value);
                    break;
                default:
                    w.Write(value);
                    break;
            }
        }

        private static int Width(uint largest) => largest <= byte.MaxValue ? 1 : largest <= ushort.MaxValue ? 2 : 4;

        /// <summary>An integer type when every threshold is an integer it holds (the comparison is then the same for every float input), else float.</summary>
        private static TreeThresholdType ThresholdType(IReadOnlyList<float> thresholds)
        {
            if (thresholds.Any(t => !float.IsFinite(t) || t != MathF.Round(t)))
            {
                return TreeThresholdType.Float32;
            }

            float min = thresholds.DefaultIfEmpty(0).Min(), max = thresholds.DefaultIfEmpty(0).Max();
            return (min, max) switch
            {
                ( >= 0, <= byte.MaxValue) => TreeThresholdType.UInt8,
                ( >= sbyte.MinValue, <= sbyte.MaxValue) => TreeThresholdType.Int8,
                ( >= 0, <= ushort.MaxValue) => TreeThresholdType.UInt16,
                ( >= short.MinValue, <= short.MaxValue) => TreeThresholdType.Int16,
                _ => TreeThresholdType.Float32,
            };
        }
    }
}
