using EdgePrune.Core;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization;

/// <summary>
/// Maps a prepared fp32 graph (BatchNorm folded, shapes inferred) to int8 steps: picks each node's kernel kind,
/// folds a Relu/Clip that is the only reader of a Conv, Gemm, MatMul or Add output into that step's output
/// range, and rejects any op without an int8 kernel by naming the node.
/// </summary>
public static class StepPlanner
{
    public const string SupportedOps = "Conv, Gemm, MatMul (constant weights), Add, Relu, Clip, MaxPool, AveragePool, GlobalAveragePool, Concat, Reshape, Flatten, Transpose, Softmax, Sigmoid";

    public static List<QuantizedStep> Plan(Graph graph)
    {
        var steps = new List<QuantizedStep>();
        var fused = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            if (fused.Contains(node.Name))
            {
                continue;
            }

            var kind = KindOf(graph, node);
            var inputs = ActivationInputs(graph, node, kind);
            var step = new QuantizedStep { Node = node, Kind = kind, Inputs = inputs, Output = node.Outputs[0] };
            if (kind is StepKind.Conv or StepKind.FullyConnected or StepKind.Add && FusableActivation(graph, node) is { } activation)
            {
                var (low, high) = ActivationBounds(graph, activation);
                fused.Add(activation.Name);
                step = step with { FusedActivation = activation, ActivationMin = low, ActivationMax = high, Output = activation.Outputs[0] };
            }
            else if (kind == StepKind.Clamp)
            {
                var (low, high) = ActivationBounds(graph, node);
                step = step with { ActivationMin = low, ActivationMax = high };
            }

            steps.Add(step);
        }

        return steps;
    }

    private static StepKind KindOf(Graph graph, Node node)
    {
        if (node.Domain.Length > 0)
        {
            throw Unsupported(node, $"ops of domain '{node.Domain}' have no int8 kernel");
        }

        switch (node.OpType)
        {
            case "Conv":
                RequireConstant(graph, node, 1, "weights");
                return StepKind.Conv;
            case "Gemm":
                RequireConstant(graph, node, 1, "weights (B)");
                if (node.GetInt("transA", 0) != 0)
                {
                    throw Unsupported(node, "transA=1 is not quantized; transpose the activation before the Gemm");
                }

                return StepKind.FullyConnected;
            case "MatMul":
                RequireConstant(graph, node, 1, "weights (B)");
                if (graph.Initializers[node.Inputs[1]].Rank != 2)
                {
                    throw Unsupported(node, "only MatMul with a 2-D constant right-hand side (a fully connected layer) is quantized");
                }

                return StepKind.FullyConnected;
            case "Add":
                if (node.Inputs.Any(graph.Initializers.ContainsKey))
                {
                    throw Unsupported(node, "adding a constant is not quantized; fold it into the preceding layer's bias");
                }

                return StepKind.Add;
            case "MaxPool":
                if (node.Outputs.Length > 1 && node.Outputs[1].Length > 0)
                {
                    throw Unsupported(node, "the Indices output has no int8 form");
                }

                return StepKind.MaxPool;
            case "AveragePool" or "GlobalAveragePool":
                return StepKind.AveragePool;
            case "Concat":
                return StepKind.Concat;
            case "Softmax":
                return StepKind.Softmax;
            case "Sigmoid":
                return StepKind.Sigmoid;
            case "Relu" or "Clip":
                return StepKind.Clamp;
            case "Reshape":
                RequireConstant(graph, node, 1, "target shape");
                return StepKind.Move;
            case "Flatten" or "Transpose":
                return StepKind.Move;
            default:
                throw Unsupported(node, $"{node.OpType} has no int8 kernel; EdgePrune quantizes {SupportedOps}");
        }
    }

    private static string[] ActivationInputs(Graph graph, Node node, StepKind kind) => kind switch
    {
        StepKind.Conv or StepKind.FullyConnected or StepKind.Move or StepKind.Clamp => [node.Inputs[0]],
        _ => [.. node.Inputs.Where(i => i.Length > 0 && !graph.Initializers.ContainsKey(i))],
    };

    private static Node? FusableActivation(Graph graph, Node node)
    {
        string output = node.Outputs[0];
        if (graph.IsGraphOutput(output))
        {
            return null;
        }

        var readers = graph.Consumers(output).ToList();
        return readers.Count == 1 && readers[0].OpType is "Relu" or "Clip" && readers[0].Domain.Length == 0 && readers[0].Inputs[0] == output
            ? readers[0]
            : null;
    }

    /// <summary>Real bounds of a Relu or Clip; Clip bounds must be constants (attributes before opset 11, initializers after).</summary>
    public static (float Low, float High) ActivationBounds(Graph graph, Node node)
    {
        if (node.OpType == "Relu")
        {
            return (0f, float.PositiveInfinity);
        }

        if (graph.Opset < 11)
        {
            return (node.GetFloat("min", float.NegativeInfinity), node.GetFloat("max", float.PositiveInfinity));
        }

        return (Bound(graph, node, 1, float.NegativeInfinity), Bound(graph, node, 2, float.PositiveInfinity));
    }

    private static float Bound(Graph graph, Node node, int index, float missing)
    {
        string? name = node.OptionalInput(index);
        if (name is null)
        {
            return missing;
        }

        return graph.Initializers.TryGetValue(name, out var value) && value.ElementCount == 1
            ? value.ToFloatArray()[0]
            : throw Unsupported(node, $"bound '{name}' is computed at run time; int8 needs constant Clip bounds");
    }

    private static void RequireConstant(Graph graph, Node node, int index, string what)
    {
        if (node.Inputs.Length <= index || !graph.Initializers.ContainsKey(node.Inputs[index]))
        {
            throw Unsupported(node, $"its {what} are not a constant initializer; int8 needs constant weights");
        }
    }

    private static EdgePruneException Unsupported(Node node, string why) =>
        new($"{node.Describe()}: cannot quantize to int8: {why}");
}
