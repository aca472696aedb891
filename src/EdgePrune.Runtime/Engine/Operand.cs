using System.Runtime.InteropServices;
using EdgePrune.Runtime.Format;

namespace EdgePrune.Runtime.Engine;

/// <summary>Where a step finds one tensor at run time: a byte range of the arena, or a dense constant in the file.</summary>
internal sealed class Operand
{
    private readonly int _offset;
    private readonly int _length;
    private readonly WeightView? _constant;

    public Operand(TensorRecord tensor)
    {
        Tensor = tensor;
        _offset = tensor.ArenaOffset;
        _length = tensor.ByteCount;
        _constant = tensor.Weights;
    }

    public TensorRecord Tensor { get; }

    public int[] Shape => Tensor.Shape;

    public int Count => Tensor.ElementCount;

    public EpbDataType Type => Tensor.DataType;

    public bool IsConstant => _constant is not null;

    public ReadOnlySpan<byte> Bytes(byte[] arena) => _constant is null ? arena.AsSpan(_offset, _length) : _constant.Range(0);

    public Span<byte> Writable(byte[] arena) => arena.AsSpan(_offset, _length);

    public ReadOnlySpan<float> Floats(byte[] arena) => MemoryMarshal.Cast<byte, float>(Bytes(arena));

    public Span<float> WritableFloats(byte[] arena) => MemoryMarshal.Cast<byte, float>(Writable(arena));

    public ReadOnlySpan<sbyte> SBytes(byte[] arena) => MemoryMarshal.Cast<byte, sbyte>(Bytes(arena));

    public Span<sbyte> WritableSBytes(byte[] arena) => MemoryMarshal.Cast<byte, sbyte>(Writable(arena));

    public ReadOnlySpan<int> Ints(byte[] arena) => MemoryMarshal.Cast<byte, int>(Bytes(arena));

    public override string ToString() => Tensor.ToString();
}
