using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// QuantizeLinear: y = saturate(round(x / scale) + zero_point), rounding half to even. ONNX Operators.md#QuantizeLinear.
/// Per tensor (opset 10) or per axis (opset 13, 'axis'); int8 or uint8 output, taken from the zero point's type,
/// else from 'output_dtype' (opset 21), else uint8. The division is done in float as ONNX Runtime does, so that
/// ties land on the same integer. Opset 19's 'saturate' only concerns float8 outputs and is accepted unused.
/// </summary>
public sealed class QuantizeLinear : Operator
{
    private const int SaturateOpset = 19;

    public override string OpType => "QuantizeLinear";
    public override int SinceOpset => 10;
    public override int MinInputs => 2;
    public override int MaxInputs => 3;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "axis", "saturate", "block_size", "output_dtype" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        QuantizationAxis.Validate(node, opset, problems);
        if (node.HasAttribute("saturate") && opset < SaturateOpset)
        {
            problems.Add($"attribute 'saturate' exists only from opset {SaturateOpset}, but the model declares opset {opset}");
        }

        if (node.HasAttribute("output_dtype"))
        {
            long dtype = node.GetInt("output_dtype", 0);
            if (opset < QuantizationAxis.BlockSizeOpset)
            {
                problems.Add($"attribute 'output_dtype' exists only from opset {QuantizationAxis.BlockSizeOpset}, but the model declares opset {opset}");
            }
            else if (dtype is not (0 or (long)DataType.UInt8 or (long)DataType.Int8))
            {
                problems.Add($"output_dtype {dtype} is not supported; EdgePrune quantizes to int8 ({(long)DataType.Int8}) or uint8 ({(long)DataType.UInt8})");
            }
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        var scale = inputs[1]!;
        var zeroPoint = inputs.Count > 2 ? inputs[2] : null;
        if (x.ElementType != DataType.Float || scale.ElementType != DataType.Float)
        {
            throw new EdgePruneException($"{node.Describe()}: input is {x.ElementType.OnnxName()} and scale {scale.ElementType.OnnxName()}; EdgePrune implements QuantizeLinear for float input and scale");
        }

        var output = OutputType(node, zeroPoint?.ElementType);
        QuantizationAxis.CheckShapes(node, opset, x, scale, zeroPoint);
        return [new TensorType(output, x.Shape)];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var scale = inputs[1]!;
        var zeroPoint = inputs.Count > 2 ? inputs[2] : null;
        var output = OutputType(node, zeroPoint?.DataType);
        var (channels, inner) = QuantizationAxis.Layout(node, opset, x, scale, zeroPoint);
        var values = x.Span<float>();
        var scales = scale.Span<float>();
        var zeroPoints = zeroPoint?.ToInt64Array() ?? new long[scales.Length];
        var (low, high) = output == DataType.Int8 ? ((float)sbyte.MinValue, (float)sbyte.MaxValue) : (byte.MinValue, byte.MaxValue);
        var q = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            int c = (i / inner) % channels;
            float v = MathF.Round(values[i] / scales[c], MidpointRounding.ToEven) + zeroPoints[c];
            q[i] = (int)Math.Clamp(v, low, high);
        }

        var shape = x.Shape.ToArray();
        return output == DataType.Int8
            ? [Tensor.FromArray(Array.ConvertAll(q, v => (sbyte)v), shape)]
            : [Tensor.FromArray(Array.ConvertAll(q, v => (byte)v), shape)];
    }

    private static DataType OutputType(Node node, DataType? zeroPointType)
    {
        var requested = (DataType)node.GetInt("output_dtype", 0);
        if (zeroPointType is { } z)
        {
            if (z is not (DataType.Int8 or DataType.UInt8))
            {
                throw new EdgePruneException($"{node.Describe()}: zero point is {z.OnnxName()}; EdgePrune quantizes to int8 or uint8");
            }

            if (requested != DataType.Undefined && requested != z)
            {
                throw new EdgePruneException($"{node.Describe()}: output_dtype is {requested.OnnxName()} but the zero point is {z.OnnxName()}; they must agree");
            }

            return z;
        }

        return requested == DataType.Undefined ? DataType.UInt8 : requested;
    }
}
