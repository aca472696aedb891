using System.Collections.Frozen;
using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops;

/// <summary>The registry of supported ops, keyed by (domain, op type), and the whole-graph support check.</summary>
public sealed class OpSet
{
    private readonly FrozenDictionary<(string Domain, string OpType), Operator> _operators;

    private OpSet(IEnumerable<Operator> operators)
    {
        _operators = operators.ToFrozenDictionary(o => (o.Domain, o.OpType));
    }

    /// <summary>Every <see cref="Operator"/> defined in this assembly.</summary>
    public static OpSet Default { get; } = new(
        typeof(Operator).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(Operator)) && !t.IsAbstract)
            .Select(t => (Operator)Activator.CreateInstance(t)!));

    public IEnumerable<Operator> All => _operators.Values;

    public Operator? Find(string domain, string opType) => _operators.GetValueOrDefault((domain, opType));

    /// <summary>The operator for a node that has passed <see cref="ThrowIfUnsupported"/>.</summary>
    public Operator Get(Node node) => Find(node.Domain, node.OpType)
        ?? throw new EdgePruneException($"{node.Describe()}: op {QualifiedName(node)} is not supported by EdgePrune");

    /// <summary>Every problem with every node: unknown ops, wrong arity, unknown or unsupported attributes.</summary>
    public List<string> FindProblems(Graph graph)
    {
        var problems = new List<string>();
        foreach (var node in graph.Nodes)
        {
            var op = Find(node.Domain, node.OpType);
            if (op is null)
            {
                problems.Add($"{node.Describe()}: op {QualifiedName(node)} is not supported by EdgePrune");
                continue;
            }

            int opset = node.Domain.Length == 0 ? graph.Opset : graph.Opsets.GetValueOrDefault(node.Domain, 1);
            var nodeProblems = new List<string>();
            if (node.Domain.Length == 0 && opset < op.SinceOpset)
            {
                nodeProblems.Add($"{node.OpType} exists only from opset {op.SinceOpset}, but the model declares opset {opset}");
            }

            if (node.Inputs.Length < op.MinInputs || node.Inputs.Length > op.MaxInputs)
            {
                nodeProblems.Add(op.MinInputs == op.MaxInputs
                    ? $"takes {op.MinInputs} input(s), got {node.Inputs.Length}"
                    : $"takes {op.MinInputs} to {op.MaxInputs} inputs, got {node.Inputs.Length}");
            }

            for (int i = 0; i < Math.Min(op.MinInputs, node.Inputs.Length); i++)
            {
                if (node.Inputs[i].Length == 0)
                {
                    nodeProblems.Add($"required input #{i} is empty");
                }
            }

            if (node.Outputs.Length < op.MinOutputs || node.Outputs.Length > op.MaxOutputs)
            {
                nodeProblems.Add($"has {node.Outputs.Length} output(s), {node.OpType} produces {op.MinOutputs} to {op.MaxOutputs}");
            }

            foreach (var (name, value) in node.Attributes)
            {
                if (!op.Attributes.Contains(name))
                {
                    nodeProblems.Add($"attribute '{name}' is not one EdgePrune knows for {node.OpType}");
                }
                else if (value.Kind == AttributeKind.Unsupported)
                {
                    nodeProblems.Add($"attribute '{name}' is of kind {value.UnsupportedKindName}, which is not supported");
                }
            }

            if (nodeProblems.Count == 0)
            {
                try
                {
                    op.Validate(node, opset, nodeProblems);
                }
                catch (EdgePruneException e)
                {
                    nodeProblems.Add(e.Message);
                }
            }

            problems.AddRange(nodeProblems.Select(p => p.StartsWith(node.Describe(), StringComparison.Ordinal) ? p : $"{node.Describe()}: {p}"));
        }

        return problems;
    }

    /// <summary>Throws an <see cref="UnsupportedModelException"/> listing every problem <see cref="FindProblems"/> finds.</summary>
    public void ThrowIfUnsupported(Graph graph, string sourceName)
    {
        var problems = FindProblems(graph);
        if (problems.Count > 0)
        {
            throw new UnsupportedModelException(sourceName, problems);
        }
    }

    private static string QualifiedName(Node node) => node.Domain.Length == 0 ? node.OpType : $"{node.Domain}.{node.OpType}";
}
