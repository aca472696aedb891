namespace EdgePrune.Core.Ir;

/// <summary>Element types, numbered as ONNX's TensorProto.DataType so the importer maps them 1:1.</summary>
public enum DataType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
}

public static class DataTypes
{
    /// <summary>Bytes one element occupies in ONNX raw_data (little-endian).</summary>
    public static int SizeInBytes(this DataType type) => type switch
    {
        DataType.Float or DataType.Int32 or DataType.UInt32 => 4,
        DataType.UInt8 or DataType.Int8 or DataType.Bool => 1,
        DataType.UInt16 or DataType.Int16 or DataType.Float16 => 2,
        DataType.Int64 or DataType.Double or DataType.UInt64 => 8,
        _ => throw new EdgePruneException($"data type {type} has no fixed element size"),
    };

    /// <summary>True for the types EdgePrune stores and computes with (everything but strings).</summary>
    public static bool IsSupported(this DataType type) =>
        type is DataType.Float or DataType.UInt8 or DataType.Int8 or DataType.UInt16 or DataType.Int16
            or DataType.Int32 or DataType.Int64 or DataType.Bool or DataType.Float16 or DataType.Double
            or DataType.UInt32 or DataType.UInt64;

    public static bool IsFloatingPoint(this DataType type) =>
        type is DataType.Float or DataType.Double or DataType.Float16;

    public static bool IsInteger(this DataType type) =>
        type is DataType.UInt8 or DataType.Int8 or DataType.UInt16 or DataType.Int16 or DataType.Int32
            or DataType.Int64 or DataType.UInt32 or DataType.UInt64;

    /// <summary>The CLR element type a <see cref="Tensor"/> of this data type stores.</summary>
    public static Type ClrType(this DataType type) => type switch
    {
        DataType.Float => typeof(float),
        DataType.Double => typeof(double),
        DataType.Float16 => typeof(Half),
        DataType.Int8 => typeof(sbyte),
        DataType.UInt8 => typeof(byte),
        DataType.Int16 => typeof(short),
        DataType.UInt16 => typeof(ushort),
        DataType.Int32 => typeof(int),
        DataType.UInt32 => typeof(uint),
        DataType.Int64 => typeof(long),
        DataType.UInt64 => typeof(ulong),
        DataType.Bool => typeof(bool),
        _ => throw new EdgePruneException($"data type {type} is not supported"),
    };

    public static DataType FromClrType(Type type) =>
        type == typeof(float) ? DataType.Float
        : type == typeof(double) ? DataType.Double
        : type == typeof(Half) ? DataType.Float16
        : type == typeof(sbyte) ? DataType.Int8
        : type == typeof(byte) ? DataType.UInt8
        : type == typeof(short) ? DataType.Int16
        : type == typeof(ushort) ? DataType.UInt16
        : type == typeof(int) ? DataType.Int32
        : type == typeof(uint) ? DataType.UInt32
        : type == typeof(long) ? DataType.Int64
        : type == typeof(ulong) ? DataType.UInt64
        : type == typeof(bool) ? DataType.Bool
        : throw new ArgumentException($"{type} is not a tensor element type", nameof(type));

    /// <summary>Lower-case ONNX spelling, for messages ("float", "int64").</summary>
    public static string OnnxName(this DataType type) => type switch
    {
        DataType.Float16 => "float16",
        _ => type.ToString().ToLowerInvariant(),
    };
}
