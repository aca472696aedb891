using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>Transpose: output dimension i is input dimension perm[i]; perm defaults to reversing the axes. ONNX Operators.md#Transpose.</summary>
public sealed class Transpose : Operator
{
    public override string OpType => "Transpose";
    public override int MinInputs => 1;
    public override int MaxInputs => 1;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "perm" };

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        if (x.Shape is null)
        {
            var given = node.GetInts("perm");
            return [new TensorType(x.ElementType, given?.Select(_ => Dim.Unknown).ToArray())];
        }

        var perm = Permutation(node, x.Shape.Count);
        return [new TensorType(x.ElementType, perm.Select(p => x.Shape[p]).ToArray())];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var perm = Permutation(node, x.Rank);
        var strides = ElementCopy.Strides(x.Shape);
        var shape = perm.Select(p => x.Shape[p]).ToArray();
        return [ElementCopy.Strided(x, shape, 0, perm.Select(p => strides[p]).ToArray())];
    }

    private static int[] Permutation(Node node, int rank)
    {
        var given = node.GetInts("perm");
        if (given is null)
        {
            return Enumerable.Range(0, rank).Reverse().ToArray();
        }

        bool valid = given.Length == rank && given.All(p => p >= 0 && p < rank) && given.Distinct().Count() == rank;
        return valid
            ? given.Select(p => (int)p).ToArray()
            : throw new EdgePruneException($"{node.Describe()}: perm [{string.Join(", ", given)}] is not a permutation of the {rank} axes of its input");
    }
}
