using System.Buffers.Binary;

namespace EdgePrune.Runtime.Format;

/// <summary>What a tree ensemble's scores mean (docs/format.md "Trees section").</summary>
public enum TreeModelKind : byte
{
    Classifier = 0,
    Regressor = 1,
}

/// <summary>ONNX-ML post_transform values the runtime computes.</summary>
public enum TreeScoreTransform : byte
{
    None = 0,
    Softmax = 1,
    Logistic = 2,
}

/// <summary>How a regressor combines its trees; classifiers always sum.</summary>
public enum TreeScoreAggregate : byte
{
    Sum = 0,
    Average = 1,
}

/// <summary>How leaves store their votes.</summary>
public enum TreeVoteLayout : byte
{
    /// <summary>Every leaf votes for every output once, in output order: the values only, [leaves, outputs].</summary>
    Dense = 0,

    /// <summary>Per leaf a range of (u16 output, f32 value) votes, in the order they are added.</summary>
    Sparse = 1,

    /// <summary>As <see cref="Dense"/>, but each leaf names one of a table of distinct rows (pure leaves share a few rows).</summary>
    SharedRows = 2,
}

/// <summary>Element type of the branch thresholds, with ONNX's numbering (integers only when every threshold is one).</summary>
public enum TreeThresholdType : byte
{
    Float32 = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
}

/// <summary>
/// The trees section of a file, validated whole (docs/format.md "Trees section"): the section length equals what the
/// header's counts need, every mode, feature index and vote target is in range, and each tree's child references form
/// exactly one tree (every branch and leaf reached once from the root: no cycle, no shared or unreachable node), so a
/// walk from the root ends at a leaf in at most the tree's branch count steps. The tables are read in place from the file.
/// </summary>
public sealed class TreeTables
{
    public const int HeaderBytes = 32;

    private TreeTables(byte[] file)
    {
        File = file;
    }

    public byte[] File { get; }

    public int TreeCount { get; private init; }

    public int BranchCount { get; private init; }

    public int LeafCount { get; private init; }

    public int VoteCount { get; private init; }

    public int FeatureCount { get; private init; }

    public int OutputCount { get; private init; }

    public TreeModelKind Kind { get; private init; }

    public TreeScoreTransform Transform { get; private init; }

    public TreeScoreAggregate Aggregate { get; private init; }

    /// <summary>Bytes per feature index: 1, 2 or 4.</summary>
    public int FeatureWidth { get; private init; }

    public TreeThresholdType ThresholdType { get; private init; }

    /// <summary>Bytes per child reference: 1, 2 or 4.</summary>
    public int ChildWidth { get; private init; }

    public TreeVoteLayout Votes { get; private init; }

    public bool HasBaseValues { get; private init; }

    /// <summary>Bytes per leaf row index (shared-rows layout): 1, 2 or 4 by the row count.</summary>
    public int RowWidth { get; private init; }

    /// <summary>File offsets of the tables.</summary>
    public int TreeTable { get; private set; }

    public int BaseValues { get; private set; }

    public int Modes { get; private set; }

    public int Features { get; private set; }

    public int Thresholds { get; private set; }

    public int TrueChildren { get; private set; }

    public int FalseChildren { get; private set; }

    public int VoteStarts { get; private set; }

    public int LeafRows { get; private set; }

    public int VoteTargets { get; private set; }

    public int VoteValues { get; private set; }

    public static int ThresholdBytes(TreeThresholdType type) => type switch
    {
        TreeThresholdType.UInt8 or TreeThresholdType.Int8 => 1,
        TreeThresholdType.UInt16 or TreeThresholdType.Int16 => 2,
        _ => 4,
    };

    /// <summary>Validates the section at <paramref name="offset"/> (<paramref name="length"/> bytes) of <paramref name="file"/>.</summary>
    public static TreeTables Read(byte[] file, int offset, int length)
    {
        var header = new ByteReader(file.AsSpan(offset, length), "trees section");
        uint trees = header.U32(), branches = header.U32(), leaves = header.U32(), votes = header.U32(), features = header.U32(), outputs = header.U32();
        var kind = (TreeModelKind)header.U8();
        var transform = (TreeScoreTransform)header.U8();
        var aggregate = (TreeScoreAggregate)header.U8();
        int featureWidth = header.U8();
        var thresholdType = (TreeThresholdType)header.U8();
        int childWidth = header.U8();
        var layout = (TreeVoteLayout)header.U8();
        int baseFlag = header.U8();
        if (!Enum.IsDefined(kind) || !Enum.IsDefined(transform) || !Enum.IsDefined(aggregate) || !Enum.IsDefined(thresholdType) || !Enum.IsDefined(layout)
            || featureWidth is not (1 or 2 or 4) || childWidth is not (1 or 2 or 4) || baseFlag > 1)
        {
            throw header.Fail($"kind {(byte)kind}, post-transform {(byte)transform}, aggregate {(byte)aggregate}, feature width {featureWidth}, threshold type {(byte)thresholdType}, child width {childWidth}, vote layout {(byte)layout} or base-value flag {baseFlag} is not defined");
        }

        if (trees == 0 || features == 0 || outputs == 0 || outputs > ushort.MaxValue + 1u)
        {
            throw header.Fail($"{trees} trees, {features} features and {outputs} outputs: each must be at least 1 (outputs at most 65536)");
        }

        if (kind == TreeModelKind.Classifier && aggregate != TreeScoreAggregate.Sum)
        {
            throw header.Fail("a classifier sums its trees' votes; aggregate must be 0");
        }

        if (leaves != branches + (ulong)trees)
        {
            throw header.Fail($"{leaves} leaves, {branches} branches and {trees} trees: binary trees have one leaf more than branches each");
        }

        if (layout == TreeVoteLayout.Dense && votes != (ulong)leaves * outputs)
        {
            throw header.Fail($"dense votes need leaves × outputs = {(ulong)leaves * outputs} values, not {votes}");
        }

        if (layout == TreeVoteLayout.SharedRows && (votes == 0 || votes % outputs != 0))
        {
            throw header.Fail($"shared vote rows need a positive multiple of {outputs} values, not {votes}");
        }

        uint rows = layout == TreeVoteLayout.SharedRows ? votes / outputs : 0;
        int rowWidth = rows <= byte.MaxValue + 1u ? 1 : rows <= ushort.MaxValue + 1u ? 2 : 4;

        // Offsets from the counts, in 64 bits, each table at a multiple of 4; the section must be exactly this long.
        long position = HeaderBytes;
        long Table(long bytes)
        {
            long start = position;
            position = EpbLayout.AlignUp(position + bytes, 4);
            return start;
        }

        long treeTable = Table(8L * (trees + 1L));
        long baseValues = Table(baseFlag == 1 ? 4L * outputs : 0);
        long modes = Table(branches);
        long featureTable = Table((long)featureWidth * branches);
        long thresholds = Table((long)ThresholdBytes(thresholdType) * branches);
        long trueChildren = Table((long)childWidth * branches);
        long falseChildren = Table((long)childWidth * branches);
        long voteStarts = Table(layout == TreeVoteLayout.Sparse ? 4L * (leaves + 1L) : 0);
        long leafRows = Table(layout == TreeVoteLayout.SharedRows ? (long)rowWidth * leaves : 0);
        long voteTargets = Table(layout == TreeVoteLayout.Sparse ? 2L * votes : 0);
        long voteValues = Table(4L * votes);
        if (position != length)
        {
            throw header.Fail($"the counts need a {position}-byte section but it is {length} bytes");
        }

        var tables = new TreeTables(file)
        {
            TreeCount = (int)trees,
            BranchCount = (int)branches,
            LeafCount = (int)leaves,
            VoteCount = (int)votes,
            FeatureCount = (int)Math.Min(features, int.MaxValue),
            OutputCount = (int)outputs,
            Kind = kind,
            Transform = transform,
            Aggregate = aggregate,
            FeatureWidth = featureWidth,
            ThresholdType = thresholdType,
            ChildWidth = childWidth,
            Votes = layout,
            HasBaseValues = baseFlag == 1,
            RowWidth = rowWidth,
        };
        tables.TreeTable = offset + (int)treeTable;
        tables.BaseValues = offset + (int)baseValues;
        tables.Modes = offset + (int)modes;
        tables.Features = offset + (int)featureTable;
        tables.Thresholds = offset + (int)thresholds;
        tables.TrueChildren = offset + (int)trueChildren;
        tables.FalseChildren = offset + (int)falseChildren;
        tables.VoteStarts = offset + (int)voteStarts;
        tables.LeafRows = offset + (int)leafRows;
        tables.VoteTargets = offset + (int)voteTargets;
        tables.VoteValues = offset + (int)voteValues;
        tables.CheckBranches();
        tables.CheckTrees();
        tables.CheckVotes();
        return tables;
    }

    /// <summary>First branch and first leaf of tree <paramref name="tree"/> (tree <see cref="TreeCount"/> gives the totals).</summary>
    public (int Branch, int Leaf) TreeStart(int tree) =>
        ((int)BinaryPrimitives.ReadUInt32LittleEndian(File.AsSpan(TreeTable + (8 * tree))), (int)BinaryPrimitives.ReadUInt32LittleEndian(File.AsSpan(TreeTable + (8 * tree) + 4)));

    /// <summary>Mode (0..5: LEQ, LT, GTE, GT, EQ, NEQ) and whether a NaN feature takes the true child.</summary>
    public (int Mode, bool MissingTrue) Mode(int branch)
    {
        int m = File[Modes + branch];
        return (m & 7, (m & 8) != 0);
    }

    public int Feature(int branch) => (int)ReadUnsigned(Features, FeatureWidth, branch);

    public float Threshold(int branch) => ThresholdType switch
    {
        TreeThresholdType.UInt8 => File[Thresholds + branch],
        TreeThresholdType.Int8 => (sbyte)File[Thresholds + branch],
        TreeThresholdType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(File.AsSpan(Thresholds + (2 * branch))),
        TreeThresholdType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(File.AsSpan(Thresholds + (2 * branch))),
        _ => BinaryPrimitives.ReadSingleLittleEndian(File.AsSpan(Thresholds + (4 * branch))),
    };

    /// <summary>A child reference: bit 0 set for a leaf, the rest the branch or leaf ordinal inside the tree.</summary>
    public uint Child(int branch, bool trueChild) => ReadUnsigned(trueChild ? TrueChildren : FalseChildren, ChildWidth, branch);

    public float BaseValue(int output) => BinaryPrimitives.ReadSingleLittleEndian(File.AsSpan(BaseValues + (4 * output)));

    /// <summary>Range [start, end) of leaf <paramref name="leaf"/>'s votes in the vote tables.</summary>
    public (int Start, int End) VoteRange(int leaf)
    {
        switch (Votes)
        {
            case TreeVoteLayout.Sparse:
                return ((int)BinaryPrimitives.ReadUInt32LittleEndian(File.AsSpan(VoteStarts + (4 * leaf))), (int)BinaryPrimitives.ReadUInt32LittleEndian(File.AsSpan(VoteStarts + (4 * leaf) + 4)));
            case TreeVoteLayout.SharedRows:
                int row = (int)ReadUnsigned(LeafRows, RowWidth, leaf);
                return (row * OutputCount, (row + 1) * OutputCount);
            default:
                return (leaf * OutputCount, (leaf + 1) * OutputCount);
        }
    }

    /// <summary>The output vote <paramref name="vote"/> adds to (dense rows: its position in the row).</summary>
    public int VoteTarget(int vote) => Votes == TreeVoteLayout.Sparse
        ? BinaryPrimitives.ReadUInt16LittleEndian(File.AsSpan(VoteTargets + (2 * vote)))
        : vote % OutputCount;

    public float VoteValue(int vote) => BinaryPrimitives.ReadSingleLittleEndian(File.AsSpan(VoteValues + (4 * vote)));

    private uint ReadUnsigned(int table, int width, int index) => width switch
    {
        1 => File[table + index],
        2 => BinaryPrimitives.ReadUInt16LittleEndian(File.AsSpan(table + (2 * index))),
        _ => BinaryPrimitives.ReadUInt32LittleEndian(File.AsSpan(table + (4 * index))),
    };

    private EpbFormatException Fail(string problem) => new($"trees section: {problem}");

    private void CheckBranches()
    {
        for (int b = 0; b < BranchCount; b++)
        {
            int m = File[Modes + b];
            if ((m & ~0xF) != 0 || (m & 7) > 5)
            {
                throw Fail($"branch {b} has mode byte {m}; modes are 0..5, plus 8 when a missing value takes the true child");
            }

            uint feature = ReadUnsigned(Features, FeatureWidth, b);
            if (feature >= (uint)FeatureCount)
            {
                throw Fail($"branch {b} tests feature {feature}, but the model has {FeatureCount} features");
            }

            if (float.IsNaN(Threshold(b)))
            {
                throw Fail($"branch {b} has a NaN threshold");
            }
        }
    }

    /// <summary>Every tree's ranges follow each other, and its references reach each of its branches and leaves exactly once.</summary>
    private void CheckTrees()
    {
        var previous = TreeStart(0);
        if (previous != (0, 0) || TreeStart(TreeCount) != (BranchCount, LeafCount))
        {
            throw Fail($"the tree table must start at branch 0, leaf 0 and end at branch {BranchCount}, leaf {LeafCount}");
        }

        var reached = new bool[BranchCount + LeafCount];
        var pending = new Stack<uint>();
        for (int t = 0; t < TreeCount; t++)
        {
            var next = TreeStart(t + 1);
            long branches = (long)(uint)next.Branch - (uint)previous.Branch, leaves = (long)(uint)next.Leaf - (uint)previous.Leaf;
            if (branches < 0 || leaves != branches + 1 || (uint)next.Branch > (uint)BranchCount || (uint)next.Leaf > (uint)LeafCount)
            {
                throw Fail($"tree {t} spans branches {previous.Branch}..{next.Branch} and leaves {previous.Leaf}..{next.Leaf}; ranges must follow each other with one leaf more than branches");
            }

            int visited = 0;
            pending.Push(branches == 0 ? 1u : 0u);
            while (pending.Count > 0)
            {
                uint reference = pending.Pop();
                bool leaf = (reference & 1) != 0;
                long ordinal = reference >> 1;
                if (ordinal >= (leaf ? leaves : branches))
                {
                    throw Fail($"tree {t}: a child reference names {(leaf ? "leaf" : "branch")} {ordinal}, but the tree has {(leaf ? leaves : branches)}");
                }

                int index = leaf ? BranchCount + previous.Leaf + (int)ordinal : previous.Branch + (int)ordinal;
                if (reached[index])
                {
                    throw Fail($"tree {t}: {(leaf ? "leaf" : "branch")} {ordinal} is reached twice; the references form a cycle or share a child");
                }

                reached[index] = true;
                visited++;
                if (!leaf)
                {
                    pending.Push(Child(index, trueChild: false));
                    pending.Push(Child(index, trueChild: true));
                }
            }

            if (visited != branches + leaves)
            {
                throw Fail($"tree {t}: only {visited} of its {branches + leaves} branches and leaves can be reached from the root");
            }

            previous = next;
        }
    }

    private void CheckVotes()
    {
        if (Votes == TreeVoteLayout.SharedRows)
        {
            uint rows = (uint)(VoteCount / OutputCount);
            for (int leaf = 0; leaf < LeafCount; leaf++)
            {
                uint row = ReadUnsigned(LeafRows, RowWidth, leaf);
                if (row >= rows)
                {
                    throw Fail($"leaf {leaf} names vote row {row}, but there are {rows}");
                }
            }
        }

        if (Votes != TreeVoteLayout.Sparse)
        {
            return;
        }

        uint previous = BinaryPrimitives.ReadUInt32LittleEndian(File.AsSpan(VoteStarts));
        if (previous != 0)
        {
            throw Fail($"leaf 0's votes start at {previous}, not 0");
        }

        for (int leaf = 0; leaf < LeafCount; leaf++)
        {
            uint next = BinaryPrimitives.ReadUInt32LittleEndian(File.AsSpan(VoteStarts + (4 * (leaf + 1))));
            if (next < previous || next > (uint)VoteCount)
            {
                throw Fail($"leaf {leaf}'s votes span {previous}..{next}; starts must not decrease and stay within the {VoteCount} votes");
            }

            previous = next;
        }

        if (previous != (uint)VoteCount)
        {
            throw Fail($"the leaves' votes end at {previous}, not at the {VoteCount} votes");
        }

        for (int v = 0; v < VoteCount; v++)
        {
            int target = VoteTarget(v);
            if (target >= OutputCount)
            {
                throw Fail($"vote {v} adds to output {target}, but the model has {OutputCount}");
            }
        }
    }
}
