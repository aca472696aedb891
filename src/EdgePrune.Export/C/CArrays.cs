using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace EdgePrune.Export.C;

/// <summary>The C element type of an emitted constant array, with its size in bytes.</summary>
internal enum CElement
{
    Int8,
    UInt8,
    UInt16,
    Int32,
    Float,
}

/// <summary>
/// Writes <c>static const</c> arrays (placed in flash by every embedded toolchain) and C literals that round-trip
/// exactly: floats with 9 significant digits (enough for any float32), INT32_MIN spelled as an expression.
/// </summary>
internal sealed class CArrays(string prefix)
{
    private readonly StringBuilder _text = new();

    public string Text => _text.ToString();

    /// <summary>Bytes of every array written so far.</summary>
    public long Bytes { get; private set; }

    public static string TypeName(CElement e) => e switch
    {
        CElement.Int8 => "int8_t",
        CElement.UInt8 => "uint8_t",
        CElement.UInt16 => "uint16_t",
        CElement.Int32 => "int32_t",
        _ => "float",
    };

    public static int Size(CElement e) => e switch
    {
        CElement.Int8 or CElement.UInt8 => 1,
        CElement.UInt16 => 2,
        _ => 4,
    };

    /// <summary>Emits little-endian <paramref name="raw"/> as an array of <paramref name="element"/>; returns its C name.</summary>
    public string Add(string name, CElement element, ReadOnlySpan<byte> raw, string comment)
    {
        int size = Size(element);
        int count = raw.Length / size;
        var values = new string[count];
        for (int i = 0; i < count; i++)
        {
            var bytes = raw.Slice(i * size, size);
            values[i] = element switch
            {
                CElement.Int8 => ((sbyte)bytes[0]).ToString(CultureInfo.InvariantCulture),
                CElement.UInt8 => bytes[0].ToString(CultureInfo.InvariantCulture),
                CElement.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(bytes).ToString(CultureInfo.InvariantCulture),
                CElement.Int32 => Int(BinaryPrimitives.ReadInt32LittleEndian(bytes)),
                _ => Float(BinaryPrimitives.ReadSingleLittleEndian(bytes)),
            };
        }

        return Add(name, element, values, comment);
    }

    public string Add(string name, CElement element, IReadOnlyList<string> values, string comment)
    {
        string full = $"{prefix}_{name}";
        _text.AppendLine(CultureInfo.InvariantCulture, $"/* {comment} */");
        // A zero-length array is not C99; an empty range keeps one unused element.
        _text.Append(CultureInfo.InvariantCulture, $"static const {TypeName(element)} {full}[{Math.Max(1, values.Count)}] = {{");
        for (int i = 0; i < values.Count; i++)
        {
            _text.Append(i % 16 == 0 ? "\n    " : " ");
            _text.Append(values[i]);
            _text.Append(',');
        }

        if (values.Count == 0)
        {
            _text.Append('0');
        }

        _text.AppendLine("\n};");
        Bytes += (long)Math.Max(1, values.Count) * Size(element);
        return full;
    }

    /// <summary>Emits one constant definition written by the caller, counting <paramref name="bytes"/> (its size on a 32-bit target).</summary>
    public void AddRaw(string definition, int bytes)
    {
        _text.AppendLine(definition);
        Bytes += bytes;
    }

    public static string Int(int v) => v == int.MinValue ? "(-2147483647 - 1)" : v.ToString(CultureInfo.InvariantCulture);

    public static string Float(float v)
    {
        if (float.IsPositiveInfinity(v))
        {
            return "INFINITY";
        }

        if (float.IsNegativeInfinity(v))
        {
            return "(-INFINITY)";
        }

        if (float.IsNaN(v))
        {
            return "NAN";
        }

        string s = v.ToString("G9", CultureInfo.InvariantCulture);
        return (s.Contains('.') || s.Contains('E') ? s : s + ".0") + "f";
    }
}
