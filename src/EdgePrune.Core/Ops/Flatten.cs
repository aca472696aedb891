using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Flatten: a 2-D view [d0·…·d(axis-1), d(axis)·…·d(n-1)] of the same elements. ONNX Operators.md#Flatten;
/// axis defaults to 1 and may be negative from opset 11 (valid range [-r, r]; before 11, [0, r]).
/// </summary>
public sealed class Flatten : Operator
{
    public override string OpType => "Flatten";
    public override int MinInputs => 1;
    public override int MaxInputs => 1;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "axis" };

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        if (x.Shape is null)
        {
            return [new TensorType(x.ElementType, [Dim.Unknown, Dim.Unknown])];
        }

        int axis = Axis(node, opset, x.Shape.Count);
        return [new TensorType(x.ElementType, [Product(x.Shape.Take(axis)), Product(x.Shape.Skip(axis))])];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        int axis = Axis(node, opset, x.Rank);
        return [x.Reshape(Common.Axes.Product(x.Shape, 0, axis), Common.Axes.Product(x.Shape, axis, x.Rank))];
    }

    private static int Axis(Node node, int opset, int rank)
    {
        long axis = node.GetInt("axis", 1);
        long lowest = opset >= 11 ? -rank : 0;
        if (axis < lowest || axis > rank)
        {
            throw new EdgePruneException($"{node.Describe()}: axis {axis} is out of range for a rank-{rank} input (valid at opset {opset}: {lowest} to {rank})");
        }

        return (int)(axis < 0 ? axis + rank : axis);
    }

    /// <summary>Known when every factor is; a single symbolic factor among 1s stays that symbol (the batch "N" of [N, 1]).</summary>
    private static Dim Product(IEnumerable<Dim> dims)
    {
        long known = 1;
        var unknown = new List<Dim>();
        foreach (var d in dims)
        {
            if (d.IsKnown)
            {
                known *= d.Value!.Value;
            }
            else
            {
                unknown.Add(d);
            }
        }

        return unknown.Count == 0 || known == 0 ? Dim.Of(known)
            : unknown.Count == 1 && known == 1 ? unknown[0]
            : Dim.Unknown;
    }
}
