using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;
using EdgePrune.TestSupport;

namespace EdgePrune.Core.Tests.Ops;

/// <summary>One input of a single-node test graph: fed at run time, or stored as an initializer; null value = omitted ("").</summary>
internal sealed record NodeInput(string Name, Tensor? Value, bool Constant = false)
{
    public static NodeInput Fed(string name, Tensor value) => new(name, value);

    public static NodeInput Const(string name, Tensor value) => new(name, value, Constant: true);

    public static NodeInput Omitted { get; } = new("", null);
}

/// <summary>Builds a graph of one node, checks it loads, infers its output types, and compares it with ONNX Runtime.</summary>
internal static class SingleNode
{
    public static Graph Build(string opType, int opset, IReadOnlyList<NodeInput> inputs, IReadOnlyDictionary<string, AttributeValue>? attributes = null, int outputs = 1)
    {
        var b = new GraphBuilder(opset);
        var names = new List<string>();
        foreach (var input in inputs)
        {
            if (input.Value is null)
            {
                names.Add("");
            }
            else if (input.Constant)
            {
                names.Add(b.Initializer(input.Name, input.Value));
            }
            else
            {
                names.Add(b.Input(input.Name, input.Value.DataType, input.Value.Shape.ToArray().Select(d => Dim.Of(d)).ToArray()));
            }
        }

        foreach (var output in b.Node(opType, [.. names], outputs, attributes))
        {
            b.Output(output);
        }

        return b.Build();
    }

    /// <summary>
    /// Runs the node in ONNX Runtime and in the reference executor and asserts every output agrees, and that
    /// shape inference predicted ORT's output shapes.
    /// </summary>
    public static void AssertMatchesOnnxRuntime(string opType, int opset, IReadOnlyList<NodeInput> inputs, IReadOnlyDictionary<string, AttributeValue>? attributes = null, int outputs = 1, float atol = 1e-4f, float rtol = 1e-4f)
    {
        var graph = Build(opType, opset, inputs, attributes, outputs);
        Assert.Empty(OpSet.Default.FindProblems(graph));
        graph = ShapeInference.Infer(graph, "test");
        var feeds = inputs.Where(i => i.Value is not null && !i.Constant).ToDictionary(i => i.Name, i => i.Value!);
        var expected = OrtOracle.Run(graph, feeds);
        var actual = ReferenceExecutor.Run(graph, feeds);
        foreach (var output in graph.Outputs)
        {
            Assert.Equal(expected[output.Name].Shape.ToArray(), output.Type.ConcreteShape());
            Agreement.AssertClose(expected[output.Name], actual[output.Name], atol, rtol, what: $"{opType} output {output.Name}");
        }
    }

    /// <summary>The problems the op set reports for the node (attribute validation at load time).</summary>
    public static List<string> Problems(string opType, int opset, IReadOnlyList<NodeInput> inputs, IReadOnlyDictionary<string, AttributeValue>? attributes = null, int outputs = 1) =>
        OpSet.Default.FindProblems(Build(opType, opset, inputs, attributes, outputs));

    /// <summary>Problems from load-time validation plus shape inference, for inputs whose shapes the op rejects.</summary>
    public static List<string> InferenceProblems(string opType, int opset, IReadOnlyList<NodeInput> inputs, IReadOnlyDictionary<string, AttributeValue>? attributes = null, int outputs = 1) =>
        ShapeInference.TryInfer(Build(opType, opset, inputs, attributes, outputs)).Problems;

    public static Dictionary<string, AttributeValue> Attrs(params (string Name, object Value)[] attributes) =>
        attributes.ToDictionary(a => a.Name, a => a.Value switch
        {
            long l => AttributeValue.Of(l),
            int i => AttributeValue.Of((long)i),
            float f => AttributeValue.Of(f),
            string s => AttributeValue.Of(s),
            long[] ls => AttributeValue.Of(ls),
            int[] ints => AttributeValue.Of(ints.Select(v => (long)v).ToArray()),
            float[] fs => AttributeValue.Of(fs),
            _ => throw new ArgumentException($"attribute {a.Name}: unsupported test value {a.Value}"),
        });
}
