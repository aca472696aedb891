using System.Collections.Immutable;

namespace EdgePrune.Core.Ir;

/// <summary>
/// An immutable computation graph: typed inputs and outputs, nodes in topological order, named constant
/// initializers, known types of intermediate values, and the opset versions the nodes follow.
/// Passes take a graph and return a new one (<c>with</c> expressions share everything unchanged).
/// </summary>
public sealed record Graph
{
    public const int MinOpset = 7;
    public const int MaxOpset = 21;

    public string Name { get; init; } = "graph";
    public ImmutableArray<ValueInfo> Inputs { get; init; } = [];
    public ImmutableArray<ValueInfo> Outputs { get; init; } = [];
    public ImmutableArray<Node> Nodes { get; init; } = [];
    public ImmutableDictionary<string, Tensor> Initializers { get; init; } = ImmutableDictionary<string, Tensor>.Empty;

    /// <summary>Types of intermediate values, when known (from the file or from shape inference).</summary>
    public ImmutableDictionary<string, TensorType> ValueTypes { get; init; } = ImmutableDictionary<string, TensorType>.Empty;

    /// <summary>Opset version per domain ("" is the default ONNX domain).</summary>
    public ImmutableDictionary<string, int> Opsets { get; init; } = ImmutableDictionary<string, int>.Empty.Add("", 17);

    /// <summary>Version of the default ONNX opset.</summary>
    public int Opset => Opsets.TryGetValue("", out int v) ? v : Opsets.GetValueOrDefault("ai.onnx", MaxOpset);

    /// <summary>The type of a named value: graph input, initializer or known intermediate; null when unknown.</summary>
    public TensorType? TypeOf(string name)
    {
        foreach (var input in Inputs)
        {
            if (input.Name == name)
            {
                return input.Type;
            }
        }

        if (Initializers.TryGetValue(name, out var t))
        {
            return TensorType.Of(t.DataType, t.Shape.ToArray());
        }

        foreach (var output in Outputs)
        {
            if (output.Name == name && output.Type.Shape is not null)
            {
                return output.Type;
            }
        }

        return ValueTypes.GetValueOrDefault(name);
    }

    /// <summary>The node producing <paramref name="valueName"/>, or null for inputs and initializers.</summary>
    public Node? Producer(string valueName) => Nodes.FirstOrDefault(n => n.Outputs.Contains(valueName));

    /// <summary>Every node reading <paramref name="valueName"/>.</summary>
    public IEnumerable<Node> Consumers(string valueName) => Nodes.Where(n => n.Inputs.Contains(valueName));

    /// <summary>True when a graph output reads the value directly.</summary>
    public bool IsGraphOutput(string valueName) => Outputs.Any(o => o.Name == valueName);
}

/// <summary>A graph plus the file-level facts of an ONNX model.</summary>
public sealed record Model
{
    public required Graph Graph { get; init; }
    public long IrVersion { get; init; } = 8;
    public string ProducerName { get; init; } = "EdgePrune";
    public string ProducerVersion { get; init; } = "";
    public ImmutableDictionary<string, string> Metadata { get; init; } = ImmutableDictionary<string, string>.Empty;
}
