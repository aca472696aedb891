using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Rewrites;

/// <summary>
/// Producer and consumer lookups over one graph, built once per pass so pattern matching stays linear
/// in the graph size, plus fresh names that collide with nothing already in the graph.
/// </summary>
internal sealed class GraphIndex
{
    private readonly Dictionary<string, Node> _producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Node>> _consumers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _graphInputs;
    private readonly HashSet<string> _graphOutputs;
    private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);

    public GraphIndex(Graph graph)
    {
        Graph = graph;
        _graphInputs = graph.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        _graphOutputs = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        _usedNames.UnionWith(_graphInputs);
        _usedNames.UnionWith(_graphOutputs);
        _usedNames.UnionWith(graph.Initializers.Keys);
        foreach (var node in graph.Nodes)
        {
            _usedNames.Add(node.Name);
            foreach (string output in node.Outputs.Where(o => o.Length > 0))
            {
                _producers[output] = node;
                _usedNames.Add(output);
            }

            foreach (string input in node.Inputs.Where(i => i.Length > 0).Distinct())
            {
                if (!_consumers.TryGetValue(input, out var list))
                {
                    _consumers[input] = list = [];
                }

                list.Add(node);
                _usedNames.Add(input);
            }
        }
    }

    public Graph Graph { get; }

    /// <summary>The node producing the value; null for graph inputs and initializers.</summary>
    public Node? Producer(string value) => _producers.GetValueOrDefault(value);

    /// <summary>The distinct nodes reading the value (a node reading it twice appears once).</summary>
    public IReadOnlyList<Node> Consumers(string value) => _consumers.TryGetValue(value, out var list) ? list : [];

    public bool IsGraphInput(string value) => _graphInputs.Contains(value);

    public bool IsGraphOutput(string value) => _graphOutputs.Contains(value);

    /// <summary>True when the value is a graph output or any node reads it.</summary>
    public bool IsUsed(string value) => IsGraphOutput(value) || Consumers(value).Count > 0;

    /// <summary>
    /// The node that alone reads <paramref name="value"/>, or null when the value is a graph output or has
    /// zero or several readers. Fusions require this of every intermediate they swallow: a second reader
    /// would lose the value.
    /// </summary>
    public Node? SoleConsumer(string value) =>
        !IsGraphOutput(value) && Consumers(value) is [var only] ? only : null;

    /// <summary>A name not used by any value or node of the graph nor handed out before; reserves it.</summary>
    public string FreshName(string stem)
    {
        string name = stem;
        for (int k = 1; !_usedNames.Add(name); k++)
        {
            name = $"{stem}_{k}";
        }

        return name;
    }
}
