using System.Runtime.InteropServices;

namespace EdgePrune.Core.Ir;

/// <summary>
/// An immutable dense tensor: element type, concrete shape (row-major) and data. Used for initializers,
/// constant attributes and the reference executor's values. Scalars have an empty shape.
/// </summary>
public sealed class Tensor
{
    private readonly Array _data;
    private readonly int[] _shape;

    private Tensor(DataType dataType, int[] shape, Array data)
    {
        DataType = dataType;
        _shape = shape;
        _data = data;
    }

    public DataType DataType { get; }

    /// <summary>Dimensions, outermost first. Empty for a scalar.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    public int Rank => _shape.Length;

    public int ElementCount => _data.Length;

    /// <summary>Bytes the data takes in ONNX raw form.</summary>
    public long SizeInBytes => (long)ElementCount * DataType.SizeInBytes();

    /// <summary>Wraps <paramref name="data"/> without copying: the caller hands over ownership and must not change it afterwards.</summary>
    public static Tensor FromArray<T>(T[] data, params int[] shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        var dataType = DataTypes.FromClrType(typeof(T));
        return Create(dataType, shape, data);
    }

    /// <summary>Wraps <paramref name="data"/> (whose element type must be <paramref name="dataType"/>'s CLR type) without copying.</summary>
    public static Tensor Create(DataType dataType, int[] shape, Array data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (data.GetType().GetElementType() != dataType.ClrType())
        {
            throw new ArgumentException($"data is {data.GetType().Name}, expected {dataType.ClrType().Name}[] for {dataType.OnnxName()}", nameof(data));
        }

        long count = ElementCountOf(shape);
        if (count != data.Length)
        {
            throw new EdgePruneException($"tensor of shape {FormatShape(shape)} needs {count} elements but {data.Length} were given");
        }

        return new Tensor(dataType, (int[])shape.Clone(), data);
    }

    /// <summary>A zero-filled tensor.</summary>
    public static Tensor Zeros(DataType dataType, params int[] shape)
    {
        long count = ElementCountOf(shape);
        return new Tensor(dataType, (int[])shape.Clone(), Array.CreateInstance(dataType.ClrType(), count));
    }

    public static Tensor Scalar(float value) => new(DataType.Float, [], new[] { value });

    public static Tensor Scalar(long value) => new(DataType.Int64, [], new[] { value });

    /// <summary>Read-only view of the data; <typeparamref name="T"/> must be the stored CLR type.</summary>
    public ReadOnlySpan<T> Span<T>() where T : unmanaged
    {
        if (_data is not T[] typed || DataTypes.FromClrType(typeof(T)) != DataType)
        {
            throw new InvalidOperationException($"tensor holds {DataType.OnnxName()}, not {typeof(T).Name}");
        }

        return typed;
    }

    /// <summary>The data as raw little-endian bytes (ONNX raw_data layout). Bool is one byte per element.</summary>
    public byte[] ToRawBytes()
    {
        var bytes = new byte[SizeInBytes];
        switch (_data)
        {
            case bool[] b:
                for (int i = 0; i < b.Length; i++)
                {
                    bytes[i] = b[i] ? (byte)1 : (byte)0;
                }

                break;
            default:
                BytesOf(_data).CopyTo(bytes);
                break;
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("EdgePrune host tools run on little-endian machines only");
        }

        return bytes;
    }

    /// <summary>Builds a tensor from ONNX raw little-endian bytes.</summary>
    public static Tensor FromRawBytes(DataType dataType, int[] shape, ReadOnlySpan<byte> raw)
    {
        long count = ElementCountOf(shape);
        int size = dataType.SizeInBytes();
        if (raw.Length != count * size)
        {
            throw new EdgePruneException($"{dataType.OnnxName()} tensor of shape {FormatShape(shape)} needs {count * size} bytes of data but has {raw.Length}");
        }

        Array data = Array.CreateInstance(dataType.ClrType(), count);
        if (data is bool[] b)
        {
            for (int i = 0; i < b.Length; i++)
            {
                b[i] = raw[i] != 0;
            }
        }
        else
        {
            raw.CopyTo(BytesOf(data));
        }

        return new Tensor(dataType, (int[])shape.Clone(), data);
    }

    /// <summary>The elements converted to float (any numeric or bool type).</summary>
    // Switch on DataType, not on the array's type: the CLR lets a byte[] pass "is sbyte[]" (and ushort[] "is short[]",
    // uint[] "is int[]", ulong[] "is long[]"), so a pattern on the array would read unsigned data as signed.
    public float[] ToFloatArray() => DataType switch
    {
        DataType.Float => (float[])((float[])_data).Clone(),
        DataType.Double => Array.ConvertAll((double[])_data, v => (float)v),
        DataType.Float16 => Array.ConvertAll((Half[])_data, v => (float)v),
        DataType.Int8 => Array.ConvertAll((sbyte[])_data, x => (float)x),
        DataType.UInt8 => Array.ConvertAll((byte[])_data, x => (float)x),
        DataType.Int16 => Array.ConvertAll((short[])_data, x => (float)x),
        DataType.UInt16 => Array.ConvertAll((ushort[])_data, x => (float)x),
        DataType.Int32 => Array.ConvertAll((int[])_data, x => (float)x),
        DataType.UInt32 => Array.ConvertAll((uint[])_data, x => (float)x),
        DataType.Int64 => Array.ConvertAll((long[])_data, x => (float)x),
        DataType.UInt64 => Array.ConvertAll((ulong[])_data, x => (float)x),
        DataType.Bool => Array.ConvertAll((bool[])_data, x => x ? 1f : 0f),
        _ => throw new InvalidOperationException($"cannot convert {DataType} to float"),
    };

    /// <summary>The elements converted to int64; only for integer and bool tensors (shapes, axes, indices).</summary>
    public long[] ToInt64Array() => DataType switch
    {
        DataType.Int64 => (long[])((long[])_data).Clone(),
        DataType.Int32 => Array.ConvertAll((int[])_data, x => (long)x),
        DataType.Int8 => Array.ConvertAll((sbyte[])_data, x => (long)x),
        DataType.UInt8 => Array.ConvertAll((byte[])_data, x => (long)x),
        DataType.Int16 => Array.ConvertAll((short[])_data, x => (long)x),
        DataType.UInt16 => Array.ConvertAll((ushort[])_data, x => (long)x),
        DataType.UInt32 => Array.ConvertAll((uint[])_data, x => (long)x),
        DataType.UInt64 => Array.ConvertAll((ulong[])_data, x => (long)x),
        DataType.Bool => Array.ConvertAll((bool[])_data, x => x ? 1L : 0L),
        _ => throw new EdgePruneException($"expected an integer tensor, got {DataType.OnnxName()}"),
    };

    /// <summary>The same data viewed under a new shape with the same element count.</summary>
    public Tensor Reshape(params int[] shape)
    {
        if (ElementCountOf(shape) != ElementCount)
        {
            throw new EdgePruneException($"cannot reshape {FormatShape(_shape)} ({ElementCount} elements) to {FormatShape(shape)}");
        }

        return new Tensor(DataType, (int[])shape.Clone(), _data);
    }

    /// <summary>Raw access for kernels in this assembly: the backing array (never mutate it).</summary>
    internal Array Data => _data;

    public static long ElementCountOf(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new EdgePruneException($"negative dimension {d} in shape {FormatShape(shape)}");
            }

            count *= d;
            if (count > Array.MaxLength)
            {
                throw new EdgePruneException($"shape {FormatShape(shape)} has more elements than fit in memory");
            }
        }

        return count;
    }

    public static string FormatShape(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    public override string ToString() => $"{DataType.OnnxName()}{FormatShape(_shape)}";

    private static Span<byte> BytesOf(Array data) => data switch
    {
        float[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        double[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        Half[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        sbyte[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        byte[] a => a.AsSpan(),
        short[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        ushort[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        int[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        uint[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        long[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        ulong[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        _ => throw new InvalidOperationException($"no byte view for {data.GetType()}"),
    };
}
