using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Pruning.Structured;

/// <summary>
/// Which channels of a graph must be removed together. Every channel (axis 1) of every float activation is an atom;
/// ops that carry a channel through (BatchNorm, activations, pools, depthwise Conv, residual Add, Concat at its offset,
/// Flatten into its block of features) join their input and output atoms. A class of joined atoms is one channel of
/// the model seen from every layer it touches; it can be removed when none of its atoms is fixed (a graph input or
/// output, or a value an unsupported op reads) and a Conv, Gemm or MatMul with a weight initializer produces it.
/// Classes that touch the same values form a <see cref="PruningGroup"/>, ranked and cut as one.
/// </summary>
public sealed class DependencyGraph
{
    private static readonly HashSet<string> ChannelWise =
    [
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "Elu", "Selu", "HardSigmoid", "HardSwish", "Softplus", "Softsign",
        "Identity", "Dropout", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Neg", "Abs",
    ];

    private static readonly HashSet<string> Elementwise = ["Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "PRelu"];

    private readonly Dictionary<string, (int Offset, int Channels)> _values = new(StringComparer.Ordinal);
    private readonly int[] _parent;
    private readonly bool[] _fixed;
    private readonly List<(Node Node, LayerKind Kind)> _layers = [];

    private DependencyGraph(Graph graph)
    {
        Graph = graph;
        int atoms = 0;
        foreach (string value in graph.Nodes.SelectMany(n => n.Outputs).Concat(graph.Inputs.Select(i => i.Name)).Distinct())
        {
            if (value.Length > 0 && !graph.Initializers.ContainsKey(value) && graph.TypeOf(value) is { ElementType: DataType.Float, Shape: { Count: >= 2 } shape } && shape[1].IsKnown)
            {
                _values[value] = (atoms, (int)shape[1].Value!.Value);
                atoms += (int)shape[1].Value!.Value;
            }
        }

        _parent = Enumerable.Range(0, atoms).ToArray();
        _fixed = new bool[atoms];
    }

    /// <summary>The shape-inferred graph the atoms were traced on.</summary>
    public Graph Graph { get; }

    /// <summary>How a node's weights are cut once the channels are chosen.</summary>
    public enum LayerKind
    {
        /// <summary>Conv with one group, Gemm, MatMul: outputs and inputs cut independently.</summary>
        Dense,

        /// <summary>Conv with one filter per channel: its output channels are its input channels.</summary>
        Depthwise,

        /// <summary>A node whose per-channel initializers follow its input's channels (BatchNorm, elementwise constants).</summary>
        ChannelParameters,
    }

    /// <summary>The nodes whose initializers change when channels go, in graph order.</summary>
    public IReadOnlyList<(Node Node, LayerKind Kind)> Layers => _layers;

    /// <summary>Channels of a tracked value, or null when the value is not tracked (initializer, unknown shape, rank 1).</summary>
    public int? ChannelsOf(string value) => _values.TryGetValue(value, out var v) ? v.Channels : null;

    public static DependencyGraph Build(Graph graph)
    {
        var g = new DependencyGraph(graph);
        var uses = graph.Nodes.SelectMany(n => n.Inputs.Where(i => i.Length > 0).Distinct()).GroupBy(i => i).ToDictionary(x => x.Key, x => x.Count());
        foreach (var node in graph.Nodes)
        {
            g.Trace(node, uses);
        }

        foreach (var value in graph.Inputs.Select(i => i.Name).Concat(graph.Outputs.Select(o => o.Name)))
        {
            g.Fix(value);
        }

        return g;
    }

    /// <summary>
    /// The removable channel classes, bundled by the set of values they touch. Each atom is (value, channel);
    /// <see cref="PruningGroup.Channels"/> lists per class its atoms.
    /// </summary>
    public IReadOnlyList<PruningGroup> Groups()
    {
        var classes = new Dictionary<int, List<(string Value, int Channel)>>();
        foreach (var (value, (offset, channels)) in _values.OrderBy(v => v.Value.Offset))
        {
            for (int c = 0; c < channels; c++)
            {
                int root = Find(offset + c);
                if (!classes.TryGetValue(root, out var atoms))
                {
                    classes[root] = atoms = [];
                }

                atoms.Add((value, c));
            }
        }

        var blocked = new HashSet<int>();
        for (int atom = 0; atom < _fixed.Length; atom++)
        {
            if (_fixed[atom])
            {
                blocked.Add(Find(atom));
            }
        }

        var producers = _layers.Where(l => l.Kind == LayerKind.Dense).ToDictionary(l => l.Node.Outputs[0], l => l.Node, StringComparer.Ordinal);
        var groups = new Dictionary<string, List<IReadOnlyList<(string, int)>>>(StringComparer.Ordinal);
        var sources = new Dictionary<string, Node[]>(StringComparer.Ordinal);
        foreach (var (root, atoms) in classes)
        {
            if (blocked.Contains(root) || !atoms.Any(a => producers.ContainsKey(a.Value)))
            {
                continue;
            }

            string key = string.Join("|", atoms.Select(a => a.Value).Distinct().Order(StringComparer.Ordinal));
            if (!groups.TryGetValue(key, out var list))
            {
                groups[key] = list = [];
                sources[key] = atoms.Select(a => a.Value).Distinct().Where(producers.ContainsKey).Select(v => producers[v]).ToArray();
            }

            list.Add(atoms);
        }

        return groups.Select(kv => new PruningGroup(sources[kv.Key], kv.Value)).OrderBy(p => Graph.Nodes.IndexOf(p.Sources[0])).ToList();
    }

    private void Trace(Node node, Dictionary<string, int> uses)
    {
        if (node.Domain.Length != 0)
        {
            FixAll(node);
            return;
        }

        string? x = node.OptionalInput(0);
        string y = node.Outputs.Length > 0 ? node.Outputs[0] : "";
        switch (node.OpType)
        {
            case "Conv" when OwnedWeights(node, uses, 1, 2):
                var w = Graph.Initializers[node.Inputs[1]];
                long group = node.GetInt("group", 1);
                if (group == 1)
                {
                    _layers.Add((node, LayerKind.Dense));
                }
                else if (ChannelsOf(x!) is { } c && group == c && w.Shape[0] == c && w.Shape[1] == 1 && Join(x!, y))
                {
                    _layers.Add((node, LayerKind.Depthwise));
                }
                else
                {
                    FixAll(node);
                }

                return;
            case "Gemm" when OwnedWeights(node, uses, 1, 2) && node.GetInt("transA", 0) == 0 && Graph.Initializers[node.Inputs[1]].Rank == 2
                && (node.OptionalInput(2) is null || Graph.Initializers[node.Inputs[2]].Rank <= 2):
            case "MatMul" when OwnedWeights(node, uses, 1) && Graph.Initializers[node.Inputs[1]].Rank == 2 && Graph.TypeOf(x!)?.Rank == 2:
                _layers.Add((node, LayerKind.Dense));
                return;
            case "BatchNormalization" when OwnedWeights(node, uses, 1, 2, 3, 4) && Join(x!, y):
                _layers.Add((node, LayerKind.ChannelParameters));
                return;
            case "Concat" when ChannelsOf(y) is not null && Axis(node, y) == 1:
                int offset = 0;
                foreach (string input in node.Inputs)
                {
                    if (ChannelsOf(input) is not { } c)
                    {
                        FixAll(node);
                        return;
                    }

                    for (int i = 0; i < c; i++)
                    {
                        Union(_values[input].Offset + i, _values[y].Offset + offset + i);
                    }

                    offset += c;
                }

                return;
            case "Flatten" when node.GetInt("axis", 1) == 1 && x is not null && ChannelsOf(x) is { } channels && ChannelsOf(y) is { } features && features % channels == 0:
                int block = features / channels;
                for (int f = 0; f < features; f++)
                {
                    Union(_values[x].Offset + f / block, _values[y].Offset + f);
                }

                return;
            case var op when ChannelWise.Contains(op) && x is not null
                && node.Inputs.Skip(1).All(i => i.Length == 0 || (Graph.Initializers.TryGetValue(i, out var t) && t.ElementCount == 1)) && Join(x, y):
                return;
            case var op when Elementwise.Contains(op) && TraceElementwise(node, uses):
                return;
            default:
                FixAll(node);
                return;
        }
    }

    private bool TraceElementwise(Node node, Dictionary<string, int> uses)
    {
        string y = node.Outputs[0];
        if (ChannelsOf(y) is not { } channels || Graph.TypeOf(y)!.Rank is not { } rank)
        {
            return false;
        }

        bool hasConstant = false;
        foreach (string input in node.Inputs)
        {
            if (Graph.Initializers.TryGetValue(input, out var constant))
            {
                int axis = 1 - (rank - constant.Rank);
                bool perChannel = axis >= 0 && constant.Shape[axis] == channels;
                if (constant.Rank > rank || (axis >= 0 && constant.Shape[axis] != 1 && !perChannel) || (perChannel && uses[input] > 1))
                {
                    return false;
                }

                hasConstant |= perChannel;
            }
            else if (ChannelsOf(input) != channels || Graph.TypeOf(input)!.Rank != rank || !Join(input, y))
            {
                return false;
            }
        }

        if (hasConstant)
        {
            _layers.Add((node, LayerKind.ChannelParameters));
        }

        return true;
    }

    private int Axis(Node node, string output)
    {
        int axis = (int)node.GetInt("axis", 1);
        return axis < 0 ? axis + Graph.TypeOf(output)!.Rank!.Value : axis;
    }

    /// <summary>True when the inputs at <paramref name="indices"/> that are present are float initializers only this node reads.</summary>
    private bool OwnedWeights(Node node, Dictionary<string, int> uses, params int[] indices) => indices.All(i =>
        node.OptionalInput(i) is not { } name
        || (Graph.Initializers.TryGetValue(name, out var t) && t.DataType == DataType.Float && uses[name] == 1))
        && node.OptionalInput(indices[0]) is not null;

    private bool Join(string a, string b)
    {
        if (ChannelsOf(a) is not { } ca || ChannelsOf(b) is not { } cb || ca != cb)
        {
            return false;
        }

        for (int i = 0; i < ca; i++)
        {
            Union(_values[a].Offset + i, _values[b].Offset + i);
        }

        return true;
    }

    private void FixAll(Node node)
    {
        foreach (string value in node.Inputs.Concat(node.Outputs))
        {
            Fix(value);
        }
    }

    private void Fix(string value)
    {
        if (_values.TryGetValue(value, out var v))
        {
            for (int i = 0; i < v.Channels; i++)
            {
                _fixed[v.Offset + i] = true;
            }
        }
    }

    private int Find(int atom)
    {
        while (_parent[atom] != atom)
        {
            _parent[atom] = _parent[_parent[atom]];
            atom = _parent[atom];
        }

        return atom;
    }

    private void Union(int a, int b)
    {
        int ra = Find(a), rb = Find(b);
        if (ra != rb)
        {
            _parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
        }
    }
}
