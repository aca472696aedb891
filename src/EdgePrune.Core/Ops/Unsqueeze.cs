using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Unsqueeze: inserts size-1 dimensions at the given axes of the output. ONNX Operators.md#Unsqueeze. The axes
/// are a required attribute before opset 13 and a required int64 input from 13; negative axes count from the
/// back of the output (rank r + number of axes).
/// </summary>
public sealed class Unsqueeze : Operator
{
    public override string OpType => "Unsqueeze";
    public override int MinInputs => 1;
    public override int MaxInputs => 2;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "axes" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        if (opset >= 13)
        {
            if (node.HasAttribute("axes"))
            {
                problems.Add($"from opset 13 the axes are an input, not an attribute (the model declares opset {opset})");
            }

            if (node.OptionalInput(1) is null)
            {
                problems.Add("the 'axes' input is required from opset 13");
            }
        }
        else
        {
            if (node.OptionalInput(1) is not null)
            {
                problems.Add($"the 'axes' input exists only from opset 13; before that axes are an attribute (the model declares opset {opset})");
            }

            if (!node.HasAttribute("axes"))
            {
                problems.Add("the 'axes' attribute is required before opset 13");
            }
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        long? axisCount;
        long[]? axes = null;
        if (opset >= 13)
        {
            var axesType = inputs.Count > 1 ? inputs[1] : null;
            if (axesType is null || axesType.ElementType != DataType.Int64)
            {
                throw new EdgePruneException($"{node.Describe()}: the 'axes' input must be given and be int64{(axesType is null ? "" : $", got {axesType.ElementType.OnnxName()}")}");
            }

            axes = constants[1]?.ToInt64Array();
            axisCount = axes?.Length ?? (axesType.Shape is [{ IsKnown: true } n] ? n.Value : null);
        }
        else
        {
            axes = AttributeAxes(node);
            axisCount = axes.Length;
        }

        if (x.Shape is null || axisCount is null)
        {
            return [new TensorType(x.ElementType, null)];
        }

        if (axes is null)
        {
            return [new TensorType(x.ElementType, Enumerable.Repeat(Dim.Unknown, x.Shape.Count + (int)axisCount.Value).ToArray())];
        }

        return [new TensorType(x.ElementType, Inserted(node, x.Shape, axes, Dim.Of(1)))];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var axes = opset >= 13 ? inputs[1]!.ToInt64Array() : AttributeAxes(node);
        return [x.Reshape(Inserted(node, x.Shape.ToArray(), axes, 1))];
    }

    private static long[] AttributeAxes(Node node) =>
        node.GetInts("axes") ?? throw new EdgePruneException($"{node.Describe()}: the 'axes' attribute is required before opset 13");

    private static T[] Inserted<T>(Node node, IReadOnlyList<T> shape, long[] axes, T one)
    {
        int rank = shape.Count + axes.Length;
        var isNew = new bool[rank];
        foreach (long axis in axes)
        {
            int a;
            try
            {
                a = Axes.Normalize(axis, rank);
            }
            catch (EdgePruneException e)
            {
                throw new EdgePruneException($"{node.Describe()}: {e.Message} (the output's rank)");
            }

            if (isNew[a])
            {
                throw new EdgePruneException($"{node.Describe()}: axis {axis} is listed twice in axes [{string.Join(", ", axes)}]");
            }

            isNew[a] = true;
        }

        var result = new T[rank];
        int next = 0;
        for (int i = 0; i < rank; i++)
        {
            result[i] = isNew[i] ? one : shape[next++];
        }

        return result;
    }
}
