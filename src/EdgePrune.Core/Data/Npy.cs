using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using EdgePrune.Core.IO;
using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Data;

/// <summary>
/// NumPy's <c>.npy</c> format (numpy/lib/format.py, "Format Version 1.0" to "3.0"): the magic
/// <c>\x93NUMPY</c>, a major and minor version byte, a little-endian header length (2 bytes in 1.0,
/// 4 bytes in 2.0 and 3.0), a Python-literal header dictionary (latin-1, UTF-8 in 3.0), then the raw data.
/// Only C-order numeric and bool arrays are read; see docs/data.md for what is refused and why.
/// </summary>
public static class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    // numpy aligns the data to 64 bytes so it can be memory-mapped (format.py, ARRAY_ALIGN).
    private const int ArrayAlign = 64;

    // numpy leaves room to rewrite the first dimension in place (format.py, GROWTH_AXIS_MAX_DIGITS).
    private const int GrowthAxisMaxDigits = 21;

    private const string SupportedDtypes = "'<f4', '<f8', '<f2', '|i1', '|u1', '<i2', '<u2', '<i4', '<u4', '<i8', '<u8', '|b1' (or their big-endian '>' forms)";

    public static Tensor Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgePruneException($"{path}: cannot read the .npy file ({e.Message})", e);
        }

        return Read(bytes, path);
    }

    /// <summary>Parses a whole .npy file held in memory; <paramref name="sourceName"/> names it in error messages.</summary>
    public static Tensor Read(ReadOnlySpan<byte> bytes, string sourceName)
    {
        if (bytes.Length < Magic.Length || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            throw new EdgePruneException($"{sourceName}: not a .npy file (it does not start with the bytes \\x93NUMPY)");
        }

        if (bytes.Length < Magic.Length + 2)
        {
            throw new EdgePruneException($"{sourceName}: the .npy file is truncated inside its version bytes");
        }

        byte major = bytes[6];
        byte minor = bytes[7];
        if (major is not (1 or 2 or 3) || minor != 0)
        {
            throw new EdgePruneException($"{sourceName}: unsupported .npy format version {major}.{minor} (EdgePrune reads 1.0, 2.0 and 3.0)");
        }

        int lengthSize = major == 1 ? 2 : 4;
        if (bytes.Length < 8 + lengthSize)
        {
            throw new EdgePruneException($"{sourceName}: the .npy file is truncated inside its header length");
        }

        long headerLength = major == 1
            ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..])
            : BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        int headerStart = 8 + lengthSize;
        if (headerStart + headerLength > bytes.Length)
        {
            throw new EdgePruneException($"{sourceName}: the .npy file is truncated: its header claims {headerLength} bytes but only {bytes.Length - headerStart} follow");
        }

        ReadOnlySpan<byte> headerBytes = bytes.Slice(headerStart, (int)headerLength);
        string headerText;
        try
        {
            headerText = major == 3
                ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(headerBytes)
                : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new EdgePruneException($"{sourceName}: the version 3.0 .npy header is not valid UTF-8", e);
        }

        NpyHeader header = NpyHeader.Parse(headerText, sourceName);
        (DataType dataType, bool bigEndian) = ParseDescr(header.Descr, sourceName);
        if (header.FortranOrder && header.Shape.Length > 1)
        {
            throw new EdgePruneException(
                $"{sourceName}: the array is stored in Fortran (column-major) order, which EdgePrune does not read; "
                + "save it with np.save(path, np.ascontiguousarray(array))");
        }

        int[] shape = ToIntShape(header.Shape, sourceName);
        int elementSize = dataType.SizeInBytes();
        long expectedBytes = Tensor.ElementCountOf(shape) * elementSize;
        ReadOnlySpan<byte> data = bytes[(headerStart + (int)headerLength)..];
        if (data.Length != expectedBytes)
        {
            string what = $"shape {Tensor.FormatShape(shape)} of {FormatDescr(header.Descr)} needs {expectedBytes} bytes of data";
            throw new EdgePruneException(data.Length < expectedBytes
                ? $"{sourceName}: the .npy file is truncated: {what} but only {data.Length} follow the header"
                : $"{sourceName}: the .npy file has {data.Length - expectedBytes} unexpected bytes after the data ({what}); it may be corrupt");
        }

        if (bigEndian && elementSize > 1)
        {
            byte[] swapped = data.ToArray();
            for (int offset = 0; offset < swapped.Length; offset += elementSize)
            {
                swapped.AsSpan(offset, elementSize).Reverse();
            }

            return Tensor.FromRawBytes(dataType, shape, swapped);
        }

        return Tensor.FromRawBytes(dataType, shape, data);
    }

    /// <summary>Writes <paramref name="tensor"/> as a version 1.0 .npy file (2.0 if the header does not fit), atomically.</summary>
    public static void Write(string path, Tensor tensor) => AtomicFile.WriteAllBytes(path, ToBytes(tensor));

    /// <summary>The exact bytes <c>np.save</c> writes for the same array (little-endian, C order).</summary>
    public static byte[] ToBytes(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        string shape = tensor.Rank switch
        {
            0 => "()",
            1 => $"({tensor.Shape[0]},)",
            _ => "(" + string.Join(", ", tensor.Shape.ToArray()) + ")",
        };
        string dict = $"{{'descr': '{DescrOf(tensor.DataType)}', 'fortran_order': False, 'shape': {shape}, }}";
        if (tensor.Rank > 0)
        {
            dict += new string(' ', GrowthAxisMaxDigits - tensor.Shape[0].ToString(CultureInfo.InvariantCulture).Length);
        }

        string header = PadHeader(dict, prefixLength: 10);
        int major = 1;
        if (header.Length > ushort.MaxValue)
        {
            major = 2;
            header = PadHeader(dict, prefixLength: 12);
        }

        int prefixLength = major == 1 ? 10 : 12;

        byte[] raw = tensor.ToRawBytes();
        var bytes = new byte[prefixLength + header.Length + raw.Length];
        Magic.CopyTo(bytes, 0);
        bytes[6] = (byte)major;
        bytes[7] = 0;
        if (major == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)header.Length);
        }

        Encoding.Latin1.GetBytes(header, bytes.AsSpan(prefixLength));
        raw.CopyTo(bytes, prefixLength + header.Length);
        return bytes;
    }

    // format.py, _wrap_header: spaces then '\n' so the data starts on a multiple of ARRAY_ALIGN; a header
    // that would end exactly on the boundary still gets a full ARRAY_ALIGN of padding.
    private static string PadHeader(string dict, int prefixLength) =>
        dict + new string(' ', ArrayAlign - ((prefixLength + dict.Length + 1) % ArrayAlign)) + "\n";

    private static string DescrOf(DataType dataType) => dataType switch
    {
        DataType.Float => "<f4",
        DataType.Double => "<f8",
        DataType.Float16 => "<f2",
        DataType.Int8 => "|i1",
        DataType.UInt8 => "|u1",
        DataType.Int16 => "<i2",
        DataType.UInt16 => "<u2",
        DataType.Int32 => "<i4",
        DataType.UInt32 => "<u4",
        DataType.Int64 => "<i8",
        DataType.UInt64 => "<u8",
        DataType.Bool => "|b1",
        _ => throw new EdgePruneException($"a {dataType.OnnxName()} tensor cannot be written as .npy"),
    };

    private static (DataType DataType, bool BigEndian) ParseDescr(object descr, string source)
    {
        if (descr is not string text)
        {
            throw new EdgePruneException($"{source}: the array has a structured (record) dtype, which EdgePrune does not read; save each field as its own array");
        }

        char order = '=';
        string code = text;
        if (text.Length > 0 && text[0] is '<' or '>' or '=' or '|')
        {
            order = text[0];
            code = text[1..];
        }

        if (code is "O" or "O8" or "O4")
        {
            throw new EdgePruneException(
                $"{source}: the array holds Python objects (dtype '{text}'), which are pickled and cannot be read safely; "
                + "convert it to a numeric dtype first, e.g. np.save(path, array.astype(np.float32))");
        }

        DataType? dataType = code switch
        {
            "f4" => DataType.Float,
            "f8" => DataType.Double,
            "f2" => DataType.Float16,
            "i1" => DataType.Int8,
            "u1" => DataType.UInt8,
            "i2" => DataType.Int16,
            "u2" => DataType.UInt16,
            "i4" => DataType.Int32,
            "u4" => DataType.UInt32,
            "i8" => DataType.Int64,
            "u8" => DataType.UInt64,
            "b1" => DataType.Bool,
            _ => null,
        };
        if (dataType is null)
        {
            throw new EdgePruneException($"{source}: dtype '{Shorten(text)}' is not supported; EdgePrune reads {SupportedDtypes}");
        }

        int size = dataType.Value.SizeInBytes();
        if (order == '|' && size > 1)
        {
            throw new EdgePruneException($"{source}: dtype '{text}' has no byte order ('|'), which only makes sense for 1-byte types; expected '<{code}' or '>{code}'");
        }

        // '=' means the writer's native order; EdgePrune only runs on little-endian hosts (see Tensor.ToRawBytes).
        return (dataType.Value, order == '>');
    }

    private static int[] ToIntShape(long[] shape, string source)
    {
        var result = new int[shape.Length];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] > Array.MaxLength)
            {
                throw new EdgePruneException($"{source}: dimension {i} of the shape ({shape[i]}) is larger than EdgePrune can hold in memory");
            }

            result[i] = (int)shape[i];
            count *= shape[i];
            if (count > Array.MaxLength)
            {
                throw new EdgePruneException($"{source}: the shape ({string.Join(", ", shape)}) has more elements than EdgePrune can hold in memory");
            }
        }

        return result;
    }

    private static string FormatDescr(object descr) => descr is string s ? $"'{s}'" : "a structured dtype";

    private static string Shorten(string text) => text.Length > 20 ? text[..20] + "..." : text;
}
