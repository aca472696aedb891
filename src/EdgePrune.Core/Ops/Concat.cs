using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Concat: joins its inputs along 'axis' (required; negative from opset 11). Every input has the same rank
/// and the same dims except along the axis. ONNX Operators.md#Concat.
/// </summary>
public sealed class Concat : Operator
{
    public override string OpType => "Concat";
    public override int MinInputs => 1;
    public override int MaxInputs => int.MaxValue;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "axis" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        if (!node.HasAttribute("axis"))
        {
            problems.Add("the 'axis' attribute is required");
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var types = inputs.Select(t => t!).ToList();
        var elementType = types[0].ElementType;
        if (types.Any(t => t.ElementType != elementType))
        {
            throw new EdgePruneException($"{node.Describe()}: inputs have different element types ({string.Join(", ", types.Select(t => t.ElementType.OnnxName()))}); all must be the same");
        }

        var shapes = types.Where(t => t.Shape is not null).Select(t => t.Shape!).ToList();
        if (shapes.Count == 0)
        {
            return [new TensorType(elementType, null)];
        }

        int rank = shapes[0].Count;
        if (shapes.Any(s => s.Count != rank))
        {
            throw new EdgePruneException($"{node.Describe()}: inputs have different ranks ({string.Join(", ", types)}); all must have the same rank");
        }

        int axis = Axis(node, rank);
        var result = new Dim[rank];
        for (int d = 0; d < rank; d++)
        {
            if (d == axis)
            {
                bool allKnown = shapes.Count == types.Count && shapes.All(s => s[d].IsKnown);
                result[d] = allKnown ? Dim.Of(shapes.Sum(s => s[d].Value!.Value)) : Dim.Unknown;
                continue;
            }

            var known = shapes.Select(s => s[d]).Where(x => x.IsKnown).Distinct().ToList();
            if (known.Count > 1)
            {
                throw new EdgePruneException($"{node.Describe()}: inputs {string.Join(", ", types)} differ in dimension {d}, which is not the concat axis {axis}");
            }

            result[d] = known.Count == 1 ? known[0] : shapes[0][d];
        }

        return [new TensorType(elementType, result)];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var parts = inputs.Select(t => t!).ToList();
        int rank = parts[0].Rank;
        int axis = Axis(node, rank);
        var first = parts[0];
        foreach (var part in parts)
        {
            bool compatible = part.DataType == first.DataType && part.Rank == rank;
            for (int d = 0; compatible && d < rank; d++)
            {
                compatible = d == axis || part.Shape[d] == first.Shape[d];
            }

            if (!compatible)
            {
                throw new EdgePruneException($"{node.Describe()}: cannot concatenate {first} and {part} along axis {axis}");
            }
        }

        var shape = first.Shape.ToArray();
        shape[axis] = parts.Sum(p => p.Shape[axis]);
        int outer = Axes.Product(shape, 0, axis);
        var result = ElementCopy.Allocate(first.DataType, Tensor.ElementCountOf(shape));
        int written = 0;
        for (int o = 0; o < outer; o++)
        {
            foreach (var part in parts)
            {
                int block = Axes.Product(part.Shape, axis, rank);
                Array.Copy(part.Data, o * block, result, written, block);
                written += block;
            }
        }

        return [Tensor.Create(first.DataType, shape, result)];
    }

    private static int Axis(Node node, int rank)
    {
        long axis = node.GetInt("axis", 0);
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
