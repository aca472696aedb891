using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops.Common;

/// <summary>
/// Where QuantizeLinear's and DequantizeLinear's scale and zero point apply (ONNX Operators.md#QuantizeLinear):
/// one scalar (or 1-element vector) for the whole tensor, or from opset 13 a 1-D vector along 'axis'
/// (default 1). Higher-rank scales mean blocked quantization (opset 21 'block_size'), which EdgePrune rejects.
/// </summary>
public static class QuantizationAxis
{
    public const int PerAxisOpset = 13;
    public const int BlockSizeOpset = 21;

    /// <summary>Problems with 'axis' and 'block_size' that do not depend on shapes.</summary>
    public static void Validate(Node node, int opset, List<string> problems)
    {
        if (node.HasAttribute("axis") && opset < PerAxisOpset)
        {
            problems.Add($"attribute 'axis' exists only from opset {PerAxisOpset}, but the model declares opset {opset}");
        }

        if (node.HasAttribute("block_size"))
        {
            long blockSize = node.GetInt("block_size", 0);
            if (opset < BlockSizeOpset)
            {
                problems.Add($"attribute 'block_size' exists only from opset {BlockSizeOpset}, but the model declares opset {opset}");
            }
            else if (blockSize != 0)
            {
                problems.Add($"blocked quantization (block_size = {blockSize}) is not supported; EdgePrune quantizes per tensor or per axis (block_size 0)");
            }
        }
    }

    /// <summary>Checks the shapes of scale and zero point against x as far as they are known.</summary>
    public static void CheckShapes(Node node, int opset, TensorType x, TensorType scale, TensorType? zeroPoint)
    {
        if (scale.Shape is null)
        {
            return;
        }

        if (scale.Shape.Count > 1)
        {
            throw new EdgePruneException($"{node.Describe()}: scale has shape {scale}; a scale of rank > 1 means blocked quantization, which EdgePrune does not support");
        }

        bool perTensor = IsSingleValue(scale.Shape);
        if (zeroPoint?.Shape is not null && (perTensor ? !IsSingleValue(zeroPoint.Shape) : !zeroPoint.Shape.SequenceEqual(scale.Shape)))
        {
            throw new EdgePruneException($"{node.Describe()}: zero point has shape {zeroPoint}, but the scale has shape {scale}; they must match");
        }

        if (perTensor)
        {
            return;
        }

        var (axis, channels) = (node.GetInt("axis", 1), scale.Shape[0]);
        if (opset < PerAxisOpset)
        {
            throw new EdgePruneException($"{node.Describe()}: scale has shape {scale}, but before opset {PerAxisOpset} the scale must be a scalar (the model declares opset {opset})");
        }

        if (x.Shape is null)
        {
            return;
        }

        int a = NormalizeAxis(node, axis, x.Shape.Count);
        if (x.Shape[a].IsKnown && channels.IsKnown && x.Shape[a].Value != channels.Value)
        {
            throw new EdgePruneException($"{node.Describe()}: scale has {channels} elements, but the input {x} has {x.Shape[a]} along axis {axis}");
        }
    }

    /// <summary>
    /// The per-axis layout of x: element i uses parameter (i / inner) % channels. A per-tensor scale gives channels = 1.
    /// </summary>
    public static (int Channels, int Inner) Layout(Node node, int opset, Tensor x, Tensor scale, Tensor? zeroPoint)
    {
        CheckShapes(node, opset, TensorType.Of(x.DataType, x.Shape.ToArray()), TensorType.Of(scale.DataType, scale.Shape.ToArray()),
            zeroPoint is null ? null : TensorType.Of(zeroPoint.DataType, zeroPoint.Shape.ToArray()));
        if (scale.ElementCount == 1)
        {
            return (1, 1);
        }

        var shape = x.Shape;
        int a = NormalizeAxis(node, node.GetInt("axis", 1), shape.Length);
        return (shape[a], Axes.Product(shape, a + 1, shape.Length));
    }

    /// <summary>A scalar or a 1-element vector: both mean one parameter for the whole tensor.</summary>
    private static bool IsSingleValue(IReadOnlyList<Dim> shape) => shape.Count == 0 || (shape.Count == 1 && shape[0].Value == 1);

    private static int NormalizeAxis(Node node, long axis, int rank)
    {
        try
        {
            return Axes.Normalize(axis, rank);
        }
        catch (EdgePruneException e)
        {
            throw new EdgePruneException($"{node.Describe()}: {e.Message}");
        }
    }
}
