using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Cast: converts every element to the type named by 'to'. ONNX Operators.md#Cast. EdgePrune follows ONNX Runtime
/// on x86-64, whose kernel is a C++ static_cast:
/// <list type="bullet">
/// <item>float → integer truncates toward zero. Out-of-range values and NaN are undefined behaviour in C++; on
/// x86-64 the conversion instruction yields the "integer indefinite" value (the type's sign bit alone), and
/// 8/16-bit targets are converted through int32, keeping the low bits; uint32 and uint64 targets take the compilers'
/// unsigned sequence (values from 2^31 or 2^63 up are shifted down by that much, converted, and the top bit set
/// again). EdgePrune reproduces exactly that (checked against ONNX Runtime in CastTests), rather than .NET's
/// saturating casts. One exception cannot be matched: for out-of-range → uint32, ONNX Runtime's scalar tail
/// (the last few elements of a tensor) goes through int64 instead of its vectorised sequence, so the result
/// depends on the element's position; EdgePrune follows the vectorised sequence, which covers almost every element.</item>
/// <item>integer → narrower integer keeps the low bits (two's-complement wrap-around).</item>
/// <item>anything → bool is "≠ 0" (NaN is true); bool → number is 0 or 1.</item>
/// <item>double and integers → float16 round to float first, then to float16.</item>
/// </list>
/// Opset 19's 'saturate' only affects float8 targets, which EdgePrune does not support, so its value is accepted and unused.
/// </summary>
public sealed class Cast : Operator
{
    private const int SaturateOpset = 19;
    private const double TwoTo31 = 2147483648.0;
    private const double TwoTo63 = 9223372036854775808.0;

    private static readonly DataType[] Supported =
    [
        DataType.Float, DataType.Double, DataType.Float16, DataType.Int8, DataType.UInt8, DataType.Int16, DataType.UInt16,
        DataType.Int32, DataType.UInt32, DataType.Int64, DataType.UInt64, DataType.Bool,
    ];

    public override string OpType => "Cast";
    public override int MinInputs => 1;
    public override int MaxInputs => 1;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "to", "saturate" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        if (!node.HasAttribute("to"))
        {
            problems.Add("the required attribute 'to' (target type) is missing");
        }
        else if (!IsSupported(node.GetInt("to", 0)))
        {
            problems.Add($"target type {TypeName(node.GetInt("to", 0))} is not supported (supported: {string.Join(", ", Supported.Select(t => t.OnnxName()))})");
        }

        if (node.HasAttribute("saturate") && opset < SaturateOpset)
        {
            problems.Add($"attribute 'saturate' exists only from opset {SaturateOpset}, but the model declares opset {opset}");
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        if (!Supported.Contains(x.ElementType))
        {
            throw new EdgePruneException($"{node.Describe()}: input is {x.ElementType.OnnxName()}, which Cast does not support (supported: {string.Join(", ", Supported.Select(t => t.OnnxName()))})");
        }

        return [new TensorType(Target(node), x.Shape)];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var to = Target(node);
        var shape = x.Shape.ToArray();
        if (x.DataType == to)
        {
            return [x];
        }

        if (x.DataType.IsFloatingPoint())
        {
            var values = x.DataType == DataType.Double ? x.Span<double>().ToArray() : Array.ConvertAll(x.ToFloatArray(), v => (double)v);
            return [FromFloatingPoint(values, to, shape)];
        }

        // Integers and bool as 64-bit patterns: narrowing keeps the low bits; uint64 is reinterpreted, never clamped.
        var bits = x.DataType == DataType.UInt64
            ? Array.ConvertAll(x.Span<ulong>().ToArray(), v => unchecked((long)v))
            : x.ToInt64Array();
        return [FromIntegers(bits, x.DataType == DataType.UInt64, to, shape)];
    }

    private static Tensor FromFloatingPoint(double[] v, DataType to, int[] shape) => to switch
    {
        DataType.Float => Tensor.FromArray(Array.ConvertAll(v, d => (float)d), shape),
        DataType.Double => Tensor.FromArray(v, shape),
        DataType.Float16 => Tensor.FromArray(Array.ConvertAll(v, d => (Half)(float)d), shape),
        DataType.Bool => Tensor.FromArray(Array.ConvertAll(v, d => d != 0 || double.IsNaN(d)), shape),
        DataType.Int8 => Tensor.FromArray(Array.ConvertAll(v, d => unchecked((sbyte)TruncateToInt32(d))), shape),
        DataType.UInt8 => Tensor.FromArray(Array.ConvertAll(v, d => unchecked((byte)TruncateToInt32(d))), shape),
        DataType.Int16 => Tensor.FromArray(Array.ConvertAll(v, d => unchecked((short)TruncateToInt32(d))), shape),
        DataType.UInt16 => Tensor.FromArray(Array.ConvertAll(v, d => unchecked((ushort)TruncateToInt32(d))), shape),
        DataType.Int32 => Tensor.FromArray(Array.ConvertAll(v, TruncateToInt32), shape),
        DataType.UInt32 => Tensor.FromArray(Array.ConvertAll(v, TruncateToUInt32), shape),
        DataType.Int64 => Tensor.FromArray(Array.ConvertAll(v, TruncateToInt64), shape),
        DataType.UInt64 => Tensor.FromArray(Array.ConvertAll(v, TruncateToUInt64), shape),
        _ => throw new EdgePruneException($"Cast to {to.OnnxName()} is not supported"),
    };

    private static Tensor FromIntegers(long[] v, bool isUnsigned64, DataType to, int[] shape) => to switch
    {
        DataType.Float => Tensor.FromArray(Array.ConvertAll(v, b => isUnsigned64 ? (float)unchecked((ulong)b) : (float)b), shape),
        DataType.Double => Tensor.FromArray(Array.ConvertAll(v, b => isUnsigned64 ? (double)unchecked((ulong)b) : (double)b), shape),
        DataType.Float16 => Tensor.FromArray(Array.ConvertAll(v, b => (Half)(isUnsigned64 ? (float)unchecked((ulong)b) : (float)b)), shape),
        DataType.Bool => Tensor.FromArray(Array.ConvertAll(v, b => b != 0), shape),
        DataType.Int8 => Tensor.FromArray(Array.ConvertAll(v, b => unchecked((sbyte)b)), shape),
        DataType.UInt8 => Tensor.FromArray(Array.ConvertAll(v, b => unchecked((byte)b)), shape),
        DataType.Int16 => Tensor.FromArray(Array.ConvertAll(v, b => unchecked((short)b)), shape),
        DataType.UInt16 => Tensor.FromArray(Array.ConvertAll(v, b => unchecked((ushort)b)), shape),
        DataType.Int32 => Tensor.FromArray(Array.ConvertAll(v, b => unchecked((int)b)), shape),
        DataType.UInt32 => Tensor.FromArray(Array.ConvertAll(v, b => unchecked((uint)b)), shape),
        DataType.Int64 => Tensor.FromArray(v, shape),
        DataType.UInt64 => Tensor.FromArray(Array.ConvertAll(v, b => unchecked((ulong)b)), shape),
        _ => throw new EdgePruneException($"Cast to {to.OnnxName()} is not supported"),
    };

    /// <summary>cvttsd2si with a 32-bit destination: truncation, and int.MinValue when the result does not fit.</summary>
    private static int TruncateToInt32(double d)
    {
        double t = Math.Truncate(d);
        return t >= -TwoTo31 && t < TwoTo31 ? (int)t : int.MinValue;
    }

    /// <summary>cvttsd2si with a 64-bit destination: truncation, and long.MinValue when the result does not fit.</summary>
    private static long TruncateToInt64(double d)
    {
        double t = Math.Truncate(d);
        return t >= -TwoTo63 && t < TwoTo63 ? (long)t : long.MinValue;
    }

    /// <summary>The unsigned sequence for double → uint32: values from 2^31 up are shifted down, converted, and the top bit restored.</summary>
    private static uint TruncateToUInt32(double d) => d >= TwoTo31
        ? unchecked((uint)TruncateToInt32(d - TwoTo31) ^ 0x8000_0000U)
        : unchecked((uint)TruncateToInt32(d));

    /// <summary>The same sequence for double → uint64, around 2^63.</summary>
    private static ulong TruncateToUInt64(double d) => d >= TwoTo63
        ? unchecked((ulong)TruncateToInt64(d - TwoTo63) ^ 0x8000_0000_0000_0000UL)
        : unchecked((ulong)TruncateToInt64(d));

    private DataType Target(Node node)
    {
        long to = node.GetInt("to", 0);
        return IsSupported(to)
            ? (DataType)to
            : throw new EdgePruneException($"{node.Describe()}: target type {TypeName(to)} is not supported");
    }

    private static bool IsSupported(long to) => Supported.Contains((DataType)to) && Enum.IsDefined((DataType)to);

    private static string TypeName(long to) => to switch
    {
        16 => "bfloat16 (16)",
        >= 17 and <= 20 => $"float8 ({to})",
        21 or 22 => $"int4/uint4 ({to})",
        _ => Enum.IsDefined((DataType)to) ? $"{((DataType)to).OnnxName()} ({to})" : $"{to}",
    };
}
