namespace EdgePrune.Runtime.Format;

/// <summary>Constants of the <c>.epb</c> layout; docs/format.md is the normative description.</summary>
public static class EpbLayout
{
    /// <summary>"EPB1" then CR LF SUB LF, as PNG does, so text-mode transfers that rewrite line ends are caught at once.</summary>
    public static ReadOnlySpan<byte> Magic => "EPB1\r\n\u001a\n"u8;

    public const ushort MajorVersion = 1;
    /// <summary>The newest minor version this runtime reads (and the writer's, for files that need it: see <see cref="MinorVersionFor"/>).</summary>
    public const ushort MinorVersion = 1;
    public const int HeaderBytes = 32;
    public const int SectionEntryBytes = 32;
    public const int SectionAlignment = 16;

    /// <summary>Offsets of arena buffers and of weight ranges inside the weights section are multiples of this.</summary>
    public const int DataAlignment = 16;

    /// <summary>Tensor refs use this value for an absent optional input (ONNX's empty name).</summary>
    public const uint NoTensor = uint.MaxValue;

    public const int MaxRank = 8;

    /// <summary>A reader refuses arenas above this size, so a hostile file cannot make the loader allocate gigabytes.</summary>
    public const long MaxArenaBytes = 1L << 30;

    /// <summary>
    /// The minor version a file with these sections declares: the oldest that defines them all, so a network file stays 1.0
    /// (readable by every 1.x reader, byte for byte what earlier writers produced) and only a tree file says 1.1.
    /// </summary>
    public static ushort MinorVersionFor(IEnumerable<SectionKind> sections) => sections.Contains(SectionKind.Trees) ? (ushort)1 : (ushort)0;

    public static int AlignUp(int value, int alignment) => (value + alignment - 1) / alignment * alignment;

    public static long AlignUp(long value, int alignment) => (value + alignment - 1) / alignment * alignment;
}

/// <summary>Kinds of section; a reader skips kinds it does not know when the file's minor version is newer than its own.</summary>
public enum SectionKind : uint
{
    Tensors = 1,
    Graph = 2,
    Weights = 3,
    Arena = 4,
    Metadata = 5,

    /// <summary>Since 1.1: the node tables of a tree ensemble, read by the <see cref="OpCode.TreeEnsemble"/> node (docs/format.md "Trees section").</summary>
    Trees = 6,
}

/// <summary>Element types, with ONNX's numbering.</summary>
public enum EpbDataType : byte
{
    Float32 = 1,
    Int8 = 3,
    Int32 = 6,
}

/// <summary>Whether a tensor lives in the arena (written at run time) or in the weights section.</summary>
public enum TensorKind : byte
{
    Activation = 0,
    Constant = 1,
}

public enum QuantKind : byte
{
    None = 0,
    PerTensor = 1,
    PerChannel = 2,
}

/// <summary>How a constant's values are stored; see docs/format.md "Weight encodings" for each layout.</summary>
public enum WeightEncoding : byte
{
    Dense = 0,
    Bitmask = 1,
    Csr8 = 2,
    Csr16 = 3,
    BlockSparse = 4,
    NofM = 5,
    Int4 = 6,
}

public enum OpCode : ushort
{
    FullyConnected = 1,
    Conv = 2,
    MaxPool = 3,
    AveragePool = 4,
    GlobalAveragePool = 5,
    Add = 6,
    Mul = 7,
    Sub = 8,
    Div = 9,
    Relu = 10,
    Clip = 11,
    Sigmoid = 12,
    Tanh = 13,
    LeakyRelu = 14,
    Softmax = 15,
    Copy = 16,
    Concat = 17,
    Transpose = 18,
    Quantize = 19,
    Dequantize = 20,

    /// <summary>Since 1.1: scores a float feature row with the file's <see cref="SectionKind.Trees"/> section.</summary>
    TreeEnsemble = 21,
}

/// <summary>Attribute ids; each op's table in docs/format.md says which it reads and their defaults.</summary>
public enum AttributeId : ushort
{
    KernelShape = 1,
    Strides = 2,
    Pads = 3,
    Dilations = 4,
    Group = 5,
    Axis = 6,
    Alpha = 7,
    Min = 8,
    Max = 9,
    Perm = 10,
    CountIncludePad = 11,
    Activation = 12,
    SoftmaxShape = 13,
}

/// <summary>The activation fused into FullyConnected or Conv (attribute <see cref="AttributeId.Activation"/>).</summary>
public enum FusedActivation : long
{
    None = 0,
    Relu = 1,
    Clip = 2,
}
