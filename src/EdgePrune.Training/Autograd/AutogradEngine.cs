using System.Collections.Immutable;
using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;
using EdgePrune.Training.Backward;

namespace EdgePrune.Training.Autograd;

/// <summary>
/// Reverse-mode automatic differentiation over an IR graph. <see cref="Forward"/> runs the nodes in order and
/// keeps every value; <see cref="Backward"/> walks them in reverse, each op's rule turning output gradients into
/// input gradients, and leaves ∂loss/∂parameter in every <see cref="Parameter.Gradient"/>. Buffers are owned by
/// the engine and reused from step to step. Not thread-safe: one engine trains one graph on one thread (the
/// kernels parallelise inside).
/// </summary>
public sealed class AutogradEngine
{
    private readonly Graph _graph;
    private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Value> _gradients = new(StringComparer.Ordinal);
    private readonly HashSet<string> _requiresGradient = new(StringComparer.Ordinal);
    private readonly OpRule?[] _rules;
    private readonly NodeRun[] _runs;
    private readonly Dictionary<string, bool[]> _backwardPlans = new(StringComparer.Ordinal);
    private readonly List<Parameter> _parameters = [];

    /// <param name="graph">The graph to train; it is not changed (see <see cref="ToGraph"/>).</param>
    /// <param name="trainable">Initializers to train; by default every float initializer that feeds a differentiable input.</param>
    /// <param name="seed">Seeds dropout, so runs repeat exactly.</param>
    public AutogradEngine(Graph graph, IEnumerable<string>? trainable = null, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(graph);
        _graph = graph;
        _rules = graph.Nodes.Select(n => n.Domain.Length == 0 ? RuleSet.Find(n.OpType) : null).ToArray();
        foreach (var (name, tensor) in graph.Initializers)
        {
            ValueOf(name).Set(tensor);
        }

        var trainableNames = trainable?.ToHashSet(StringComparer.Ordinal) ?? DefaultTrainable(graph, _rules);
        foreach (string name in trainableNames.Order(StringComparer.Ordinal))
        {
            if (!graph.Initializers.TryGetValue(name, out var tensor) || tensor.DataType != DataType.Float)
            {
                throw new EdgePruneException($"'{name}' cannot be trained: it is not a float initializer of graph '{graph.Name}'");
            }

            _requiresGradient.Add(name);
            _parameters.Add(new Parameter(name, _values[name], GradientOf(name)));
        }

        var random = new Random(seed);
        var scratch = new Scratch();
        _runs = new NodeRun[graph.Nodes.Length];
        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            var node = graph.Nodes[i];
            var rule = _rules[i];
            bool needsGradient = false;
            for (int j = 0; j < node.Inputs.Length; j++)
            {
                if (node.Inputs[j].Length > 0 && _requiresGradient.Contains(node.Inputs[j]) && (rule is null || rule.IsDifferentiable(j)))
                {
                    needsGradient = true;
                }
            }

            if (needsGradient && rule is null)
            {
                throw new EdgePruneException($"{node.Describe()}: EdgePrune has no backward rule for {node.OpType}, so gradients cannot flow through it (see docs/training.md for the supported ops)");
            }

            if (needsGradient)
            {
                foreach (string output in node.Outputs.Where(o => o.Length > 0))
                {
                    _requiresGradient.Add(output);
                }
            }

            var inputs = node.Inputs.Select(n => n.Length > 0 ? ValueOf(n) : null).ToArray();
            var outputs = node.Outputs.Select(ValueOf).ToArray();
            var inputGradients = new Value?[node.Inputs.Length];
            for (int j = 0; j < inputGradients.Length; j++)
            {
                string name = node.Inputs[j];
                if (name.Length > 0 && _requiresGradient.Contains(name) && rule!.IsDifferentiable(j))
                {
                    inputGradients[j] = GradientOf(name);
                }
            }

            var outputGradients = node.Outputs.Select(GradientOf).ToArray();
            int opset = node.Domain.Length == 0 ? graph.Opset : graph.Opsets.GetValueOrDefault(node.Domain, 1);
            _runs[i] = new NodeRun(node, opset, inputs, outputs, inputGradients, outputGradients, random, scratch);
        }
    }

    public Graph Graph => _graph;

    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Every float initializer that feeds a differentiable input of an op with a backward rule.</summary>
    public static IReadOnlySet<string> DefaultTrainable(Graph graph) =>
        DefaultTrainable(graph, graph.Nodes.Select(n => n.Domain.Length == 0 ? RuleSet.Find(n.OpType) : null).ToArray());

    /// <summary>Runs the graph on <paramref name="inputs"/>; <paramref name="training"/> selects batch statistics and dropout.</summary>
    public void Forward(IReadOnlyDictionary<string, Tensor> inputs, bool training)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        Core.Execution.ReferenceExecutor.CheckInputs(_graph, inputs);
        foreach (var (name, tensor) in inputs)
        {
            _values[name].Set(tensor);
        }

        Run(training);
    }

    /// <summary>Copies <paramref name="data"/> into graph input <paramref name="name"/> without allocating.</summary>
    public void SetInput(string name, ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        if (!_values.TryGetValue(name, out var value) || !IsGraphInput(name))
        {
            throw new EdgePruneException($"'{name}' is not an input of graph '{_graph.Name}'");
        }

        value.Resize(shape);
        data.CopyTo(value.Span);
    }

    private bool IsGraphInput(string name)
    {
        foreach (var input in _graph.Inputs)
        {
            if (input.Name == name)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Runs every node on the inputs set by <see cref="SetInput"/>.</summary>
    public void Run(bool training)
    {
        for (int i = 0; i < _runs.Length; i++)
        {
            var run = _runs[i];
            run.Training = training;
            try
            {
                if (_rules[i] is { } rule)
                {
                    rule.Forward(run);
                }
                else
                {
                    ReferenceForward(run);
                }
            }
            catch (EdgePruneException e) when (!e.Message.StartsWith(run.Node.Describe(), StringComparison.Ordinal))
            {
                throw new EdgePruneException($"{run.Node.Describe()}: {e.Message}", e);
            }
        }
    }

    /// <summary>The float data and shape of a value after <see cref="Run"/>; valid until the next run.</summary>
    public ReadOnlySpan<float> OutputSpan(string name, out ReadOnlySpan<int> shape)
    {
        var value = _values.TryGetValue(name, out var v) && v.IsFloat
            ? v
            : throw new EdgePruneException($"'{name}' is not a float value of graph '{_graph.Name}'");
        shape = value.Shape;
        return value.Span;
    }

    /// <summary>A copy of a value after the last run.</summary>
    public Tensor Output(string name) => _values.TryGetValue(name, out var v)
        ? v.ToTensor()
        : throw new EdgePruneException($"'{name}' is not a value of graph '{_graph.Name}'");

    /// <summary>
    /// Back-propagates <paramref name="outputGradient"/> (∂loss/∂output, same shape as the output) from value
    /// <paramref name="output"/>; afterwards every parameter's <see cref="Parameter.Gradient"/> holds ∂loss/∂parameter.
    /// </summary>
    public void Backward(string output, ReadOnlySpan<float> outputGradient)
    {
        if (!_values.TryGetValue(output, out var value) || !value.IsFloat)
        {
            throw new EdgePruneException($"'{output}' is not a float value of graph '{_graph.Name}'");
        }

        if (outputGradient.Length != value.Count)
        {
            throw new EdgePruneException($"the gradient for '{output}' has {outputGradient.Length} elements but the value has {value.Count}");
        }

        foreach (var (name, gradient) in _gradients)
        {
            gradient.ResizeLike(_values[name]);
            gradient.Clear();
        }

        if (_gradients.TryGetValue(output, out var start))
        {
            outputGradient.CopyTo(start.Span);
        }

        var plan = BackwardPlan(output);
        for (int i = _runs.Length - 1; i >= 0; i--)
        {
            if (plan[i])
            {
                _rules[i]!.Backward(_runs[i]);
            }
        }
    }

    /// <summary>The graph with the current parameter values and running statistics as its initializers.</summary>
    public Graph ToGraph()
    {
        var initializers = _graph.Initializers.ToBuilder();
        foreach (string name in _graph.Initializers.Keys)
        {
            if (_values[name].IsFloat)
            {
                initializers[name] = _values[name].ToTensor();
            }
        }

        return _graph with { Initializers = initializers.ToImmutable() };
    }

    internal Value ValueOf(string name)
    {
        if (!_values.TryGetValue(name, out var value))
        {
            value = new Value();
            _values[name] = value;
        }

        return value;
    }

    private Value GradientOf(string name)
    {
        if (!_gradients.TryGetValue(name, out var gradient))
        {
            gradient = new Value();
            _gradients[name] = gradient;
        }

        return gradient;
    }

    private bool[] BackwardPlan(string output)
    {
        if (_backwardPlans.TryGetValue(output, out var plan))
        {
            return plan;
        }

        var reaches = new HashSet<string>(StringComparer.Ordinal) { output };
        plan = new bool[_runs.Length];
        for (int i = _runs.Length - 1; i >= 0; i--)
        {
            var node = _runs[i].Node;
            if (node.Outputs.Any(reaches.Contains) && node.Outputs.Any(_requiresGradient.Contains))
            {
                plan[i] = true;
                foreach (string input in node.Inputs.Where(n => n.Length > 0))
                {
                    reaches.Add(input);
                }
            }
        }

        _backwardPlans[output] = plan;
        return plan;
    }

    private static void ReferenceForward(NodeRun run)
    {
        var op = OpSet.Default.Get(run.Node);
        var args = run.Inputs.Select(v => v?.ToTensor()).ToArray();
        var results = op.Execute(run.Node, run.Opset, args);
        for (int k = 0; k < run.Outputs.Length && k < results.Length; k++)
        {
            run.Outputs[k].Set(results[k]);
        }
    }

    private static HashSet<string> DefaultTrainable(Graph graph, OpRule?[] rules)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            if (rules[i] is not { } rule)
            {
                continue;
            }

            var node = graph.Nodes[i];
            for (int j = 0; j < node.Inputs.Length; j++)
            {
                if (rule.IsDifferentiable(j) && graph.Initializers.TryGetValue(node.Inputs[j], out var t) && t.DataType == DataType.Float)
                {
                    result.Add(node.Inputs[j]);
                }
            }
        }

        return result;
    }
}
