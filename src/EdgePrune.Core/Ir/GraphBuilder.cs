using System.Collections.Immutable;

namespace EdgePrune.Core.Ir;

/// <summary>
/// Builds graphs in code (tests, samples, models trained from scratch): add inputs, initializers and
/// nodes in order, name the outputs, and call <see cref="Build"/>. Value names are generated when not given.
/// </summary>
public sealed class GraphBuilder
{
    private readonly List<ValueInfo> _inputs = [];
    private readonly List<ValueInfo> _outputs = [];
    private readonly List<Node> _nodes = [];
    private readonly Dictionary<string, Tensor> _initializers = new(StringComparer.Ordinal);
    private int _counter;

    public GraphBuilder(int opset = 17, string name = "graph")
    {
        Opset = opset;
        Name = name;
    }

    public int Opset { get; }
    public string Name { get; }

    public string Input(string name, DataType type, params Dim[] shape)
    {
        _inputs.Add(new ValueInfo(name, new TensorType(type, shape)));
        return name;
    }

    public string Initializer(string name, Tensor value)
    {
        _initializers.Add(name, value);
        return name;
    }

    /// <summary>Adds a node and returns the names of its outputs (generated as "opType_k_out_i").</summary>
    public string[] Node(string opType, string[] inputs, int outputCount = 1, IReadOnlyDictionary<string, AttributeValue>? attributes = null, string domain = "")
    {
        int id = _counter++;
        var outputs = Enumerable.Range(0, outputCount).Select(i => $"{opType}_{id}_out{i}").ToArray();
        _nodes.Add(new Node
        {
            Name = $"{opType}_{id}",
            OpType = opType,
            Domain = domain,
            Inputs = [.. inputs],
            Outputs = [.. outputs],
            Attributes = attributes?.ToImmutableDictionary() ?? ImmutableDictionary<string, AttributeValue>.Empty,
        });
        return outputs;
    }

    /// <summary>Adds a single-output node and returns its output name.</summary>
    public string Op(string opType, string[] inputs, IReadOnlyDictionary<string, AttributeValue>? attributes = null) =>
        Node(opType, inputs, 1, attributes)[0];

    /// <summary>Declares a graph output; its type is left for shape inference when not given.</summary>
    public void Output(string name, TensorType? type = null) =>
        _outputs.Add(new ValueInfo(name, type ?? new TensorType(DataType.Undefined, null)));

    public Graph Build() => new()
    {
        Name = Name,
        Inputs = [.. _inputs],
        Outputs = [.. _outputs],
        Nodes = [.. _nodes],
        Initializers = _initializers.ToImmutableDictionary(StringComparer.Ordinal),
        Opsets = ImmutableDictionary<string, int>.Empty.Add("", Opset),
    };
}
