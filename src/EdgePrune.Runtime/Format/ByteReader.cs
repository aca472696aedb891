using System.Buffers.Binary;
using System.Text;

namespace EdgePrune.Runtime.Format;

/// <summary>
/// A little-endian cursor over one section that checks every read against the section's end and throws
/// <see cref="EpbFormatException"/> naming the section when a record runs past it.
/// </summary>
internal ref struct ByteReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _where;

    public ByteReader(ReadOnlySpan<byte> data, string where)
    {
        _data = data;
        _where = where;
        Position = 0;
    }

    public int Position { get; private set; }

    public readonly int Remaining => _data.Length - Position;

    public byte U8() => Take(1)[0];

    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public float F32() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public ReadOnlySpan<byte> Bytes(int count) => Take(count);

    /// <summary>A count of records that each take at least <paramref name="minBytesEach"/> bytes, refused if the rest of the section cannot hold them (so no huge array is allocated for a lying count).</summary>
    public int Count(int minBytesEach, string what)
    {
        uint count = U32();
        if (count > (uint)Remaining / (uint)Math.Max(1, minBytesEach))
        {
            throw Fail($"{what} count {count} does not fit in the {Remaining} bytes left");
        }

        return (int)count;
    }

    /// <summary>A u16 byte length then that many bytes of UTF-8.</summary>
    public string String(string what)
    {
        int length = U16();
        var bytes = Take(length, what);
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Fail($"{what} is not valid UTF-8");
        }
    }

    public readonly EpbFormatException Fail(string problem) => new($"{_where}: {problem} (at byte {Position})");

    private ReadOnlySpan<byte> Take(int count, string? what = null)
    {
        if (count < 0 || count > Remaining)
        {
            throw Fail($"{what ?? "record"} needs {count} bytes but only {Remaining} are left (truncated or a length is wrong)");
        }

        var slice = _data.Slice(Position, count);
        Position += count;
        return slice;
    }
}
