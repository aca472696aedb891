using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// DequantizeLinear: y = (x − zero_point) · scale in float. ONNX Operators.md#DequantizeLinear. Per tensor
/// (opset 10) or per axis (opset 13, 'axis'); x is int8, uint8, or int32 (the bias form, whose zero point must be
/// absent or 0, as ONNX Runtime enforces).
/// </summary>
public sealed class DequantizeLinear : Operator
{
    private static readonly DataType[] ElementTypes = [DataType.Int8, DataType.UInt8, DataType.Int32];

    public override string OpType => "DequantizeLinear";
    public override int SinceOpset => 10;
    public override int MinInputs => 2;
    public override int MaxInputs => 3;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "axis", "block_size" };

    public override void Validate(Node node, int opset, List<string> problems) => QuantizationAxis.Validate(node, opset, problems);

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        var scale = inputs[1]!;
        var zeroPoint = inputs.Count > 2 ? inputs[2] : null;
        if (!ElementTypes.Contains(x.ElementType))
        {
            throw new EdgePruneException($"{node.Describe()}: input is {x.ElementType.OnnxName()}; EdgePrune implements DequantizeLinear for int8, uint8 and int32");
        }

        if (scale.ElementType != DataType.Float)
        {
            throw new EdgePruneException($"{node.Describe()}: scale is {scale.ElementType.OnnxName()}; EdgePrune implements DequantizeLinear for a float scale");
        }

        if (zeroPoint is not null && zeroPoint.ElementType != x.ElementType)
        {
            throw new EdgePruneException($"{node.Describe()}: zero point is {zeroPoint.ElementType.OnnxName()} but the input is {x.ElementType.OnnxName()}; they must have the same type");
        }

        if (constants.Count > 2 && constants[2] is { } z)
        {
            CheckInt32ZeroPoint(node, x.ElementType, z);
        }

        QuantizationAxis.CheckShapes(node, opset, x, scale, zeroPoint);
        return [new TensorType(DataType.Float, x.Shape)];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var scale = inputs[1]!;
        var zeroPoint = inputs.Count > 2 ? inputs[2] : null;
        if (zeroPoint is not null)
        {
            CheckInt32ZeroPoint(node, x.DataType, zeroPoint);
        }

        var (channels, inner) = QuantizationAxis.Layout(node, opset, x, scale, zeroPoint);
        var values = x.ToInt64Array();
        var scales = scale.Span<float>();
        var zeroPoints = zeroPoint?.ToInt64Array() ?? new long[scales.Length];
        var y = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            int c = (i / inner) % channels;
            y[i] = (values[i] - zeroPoints[c]) * scales[c];
        }

        return [Tensor.FromArray(y, x.Shape.ToArray())];
    }

    private static void CheckInt32ZeroPoint(Node node, DataType type, Tensor zeroPoint)
    {
        if (type == DataType.Int32 && zeroPoint.ToInt64Array().Any(v => v != 0))
        {
            throw new EdgePruneException($"{node.Describe()}: an int32 input (bias) must have no zero point or a zero point of 0");
        }
    }
}
