using EdgePrune.Core.Ir;
using EdgePrune.Core.Rewrites;

namespace EdgePrune.Compression.Quantization;

/// <summary>
/// Gives a Reshape whose target shape is computed at run time (PyTorch's <c>x.view(x.size(0), -1)</c> exports as
/// Shape → Gather → Unsqueeze → Concat → Reshape) a constant target when shape inference already knows the answer:
/// the output keeps the input's first dimension and every other dimension is known. The constant is
/// [0, d1, …, dk], ONNX's "0 copies the input dimension" (allowzero = 0), so the batch stays free. The shape
/// subgraph then has no reader and is removed. Runs on a shape-inferred graph; int8 steps need constant shapes.
/// </summary>
public sealed class FixDynamicReshapes : IGraphPass
{
    public string Name => "fix-dynamic-reshapes";

    public Graph Apply(Graph graph)
    {
        var nodes = graph.Nodes.ToBuilder();
        var initializers = graph.Initializers;
        bool changed = false;
        for (int i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (node.OpType != "Reshape" || node.Domain.Length > 0 || node.Inputs.Length < 2 || graph.Initializers.ContainsKey(node.Inputs[1])
                || node.GetInt("allowzero", 0) != 0)
            {
                continue;
            }

            var input = graph.TypeOf(node.Inputs[0])?.Shape;
            var output = graph.TypeOf(node.Outputs[0])?.Shape;
            if (input is null || output is null || input.Count == 0 || output.Count == 0 || output[0] != input[0] || !output.Skip(1).All(d => d.IsKnown))
            {
                continue;
            }

            long[] target = [0, .. output.Skip(1).Select(d => d.Value!.Value)];
            string name = node.Name + "_static_shape";
            initializers = initializers.SetItem(name, Tensor.FromArray(target, target.Length));
            nodes[i] = node with { Inputs = node.Inputs.SetItem(1, name) };
            changed = true;
        }

        return changed
            ? new RemoveUnusedNodes().Apply(graph with { Nodes = nodes.ToImmutable(), Initializers = initializers })
            : graph;
    }
}
