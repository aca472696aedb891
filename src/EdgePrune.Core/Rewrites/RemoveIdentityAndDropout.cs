using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Rewrites;

/// <summary>
/// Removes Identity nodes, and Dropout nodes that are identities at inference (ONNX Operators.md#Dropout:
/// without training_mode, or with a constant false one, output = input), by letting their readers read
/// the input directly. A Dropout whose mask output is read is kept: the mask is a real value.
/// <para>
/// A graph output name is part of the model's interface and never changes. When the removed node writes
/// a graph output, the node producing its input is renamed to write that output instead; when that is
/// impossible (the input is a graph input, an initializer or itself a graph output), an Identity stays
/// (a Dropout becomes one).
/// </para>
/// </summary>
public sealed class RemoveIdentityAndDropout : IGraphPass
{
    public string Name => "remove-identity-dropout";

    public Graph Apply(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var index = new GraphIndex(graph);

        // Readers of a key read its value instead; chains (Identity after Identity) resolve transitively.
        var replacement = new Dictionary<string, string>(StringComparer.Ordinal);
        var renamedOutputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var vanished = new HashSet<string>(StringComparer.Ordinal);
        var kept = new List<Node>(graph.Nodes.Length);
        bool changed = false;
        foreach (var node in graph.Nodes)
        {
            if (!IsInferenceIdentity(index, node))
            {
                kept.Add(node);
                continue;
            }

            string source = Resolve(replacement, node.Inputs[0]);
            string target = node.Outputs[0];
            vanished.UnionWith(node.Outputs.Skip(1).Where(o => o.Length > 0));
            if (!index.IsGraphOutput(target))
            {
                replacement[target] = source;
                vanished.Add(target);
                changed = true;
            }
            else if (index.Producer(source) is not null && !index.IsGraphOutput(source) && !graph.Initializers.ContainsKey(source))
            {
                renamedOutputs[source] = target;
                replacement[source] = target;
                vanished.Add(source);
                changed = true;
            }
            else if (node.OpType == "Dropout")
            {
                kept.Add(new Node { Name = node.Name, OpType = "Identity", Inputs = [node.Inputs[0]], Outputs = [target] });
                changed = true;
            }
            else
            {
                kept.Add(node);
            }
        }

        if (!changed)
        {
            return graph;
        }

        var nodes = kept.Select(n => n with
        {
            Inputs = [.. n.Inputs.Select(i => i.Length == 0 ? i : Resolve(replacement, i))],
            Outputs = [.. n.Outputs.Select(o => renamedOutputs.GetValueOrDefault(o, o))],
        });
        return graph with { Nodes = [.. nodes], ValueTypes = graph.ValueTypes.RemoveRange(vanished) };
    }

    private static string Resolve(Dictionary<string, string> replacement, string value)
    {
        while (replacement.TryGetValue(value, out string? next))
        {
            value = next;
        }

        return value;
    }

    private static bool IsInferenceIdentity(GraphIndex index, Node node)
    {
        if (node.Domain.Length != 0 || node.Inputs.Length == 0 || node.Inputs[0].Length == 0 || node.Outputs.Length == 0 || node.Outputs[0].Length == 0)
        {
            return false;
        }

        return node.OpType switch
        {
            "Identity" => node.Inputs.Length == 1 && node.Outputs.Length == 1,
            "Dropout" => !(node.Outputs.Length > 1 && node.Outputs[1].Length > 0 && index.IsUsed(node.Outputs[1]))
                && (node.OptionalInput(2) is not string trainingMode || ConstantValues.ScalarOf(ConstantValues.Find(index, trainingMode)) == 0),
            _ => false,
        };
    }
}
