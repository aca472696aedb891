using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Rewrites;

/// <summary>
/// Turns MatMul(A, B) followed by Add(·, bias) into Gemm(A, B, bias), the form a fully connected layer
/// runs as everywhere downstream (one op, bias fused into the accumulation). Gemm is narrower than
/// MatMul + Add, so the pass fuses only when the two agree exactly (ONNX Operators.md#Gemm):
/// A is known to be 2-D (MatMul also batches higher ranks, Gemm does not), B is a 2-D float constant,
/// and the bias is a float constant that broadcasts to [M, N] without changing the Add's output shape:
/// [], [1], [N], [1, N], or [M, N] when M is a known number. The MatMul output must have no other
/// reader and not be a graph output. Same arithmetic, so outputs agree up to the backend's summation order.
/// </summary>
public sealed class FuseMatMulAddIntoGemm : IGraphPass
{
    public string Name => "fuse-matmul-add";

    public Graph Apply(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var index = new GraphIndex(graph);
        var types = new TypeLookup(graph);
        var removed = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var fused = new Dictionary<Node, Node>(ReferenceEqualityComparer.Instance);
        foreach (var matMul in graph.Nodes)
        {
            if (matMul is not { OpType: "MatMul", Domain: "", Inputs: [var a, var b], Outputs: [var product] }
                || index.SoleConsumer(product) is not { OpType: "Add", Domain: "", Inputs: [var left, var right], Outputs: [var sum] } add
                || (left == product) == (right == product)
                || types.TypeOf(a) is not { ElementType: DataType.Float, Shape: [var m, _] }
                || ConstantValues.Find(index, b) is not { DataType: DataType.Float, Rank: 2 } weights)
            {
                continue;
            }

            string biasName = left == product ? right : left;
            if (ConstantValues.Find(index, biasName) is not { DataType: DataType.Float } bias || !BroadcastsToRows(bias, m, weights.Shape[1]))
            {
                continue;
            }

            removed.Add(matMul);
            fused[add] = new Node
            {
                Name = index.FreshName(matMul.Name + "_Gemm"),
                OpType = "Gemm",
                Inputs = [a, b, biasName],
                Outputs = [sum],
            };
        }

        if (removed.Count == 0)
        {
            return graph;
        }

        var nodes = graph.Nodes.Where(n => !removed.Contains(n)).Select(n => fused.GetValueOrDefault(n, n));
        return graph with
        {
            Nodes = [.. nodes],
            ValueTypes = graph.ValueTypes.RemoveRange(removed.Select(n => n.Outputs[0])),
        };
    }

    /// <summary>True when a bias of this shape added to an [M, N] product yields [M, N] and Gemm's C accepts it.</summary>
    private static bool BroadcastsToRows(Tensor bias, Dim m, int n) => bias.Shape switch
    {
        [] => true,
        [var cols] => cols == 1 || cols == n,
        [var rows, var cols] => (cols == 1 || cols == n) && (rows == 1 || (m.IsKnown && rows == m.Value)),
        _ => false,
    };
}
