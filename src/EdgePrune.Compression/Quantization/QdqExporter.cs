using System.Collections.Immutable;
using EdgePrune.Core;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization;

/// <summary>
/// Writes a <see cref="QuantizedModel"/> as a QDQ ONNX graph, the form ONNX Runtime's static quantizer emits:
/// every int8 activation t becomes t → QuantizeLinear → DequantizeLinear → readers; weights are stored int8 with a
/// per-channel DequantizeLinear (axis = output channel), biases int32 with a per-channel DequantizeLinear at
/// scale s_in·s_w. A fused Relu/Clip stays between the layer and its QuantizeLinear (Q(relu(y)) = clamp(Q(y), zp, 127)).
/// Int4 weights are stored in int8 containers holding values in [−7, 7] (the packed form is for the device exporters).
/// Graph outputs keep their names and float type.
/// </summary>
public static class QdqExporter
{
    /// <summary>Per-axis DequantizeLinear exists from opset 13.</summary>
    public const int MinOpset = 13;

    public static Model ToModel(QuantizedModel model) => new() { Graph = ToGraph(model), ProducerName = "EdgePrune (QDQ)" };

    /// <summary>The name of the int8 tensor (the QuantizeLinear output) of the value <paramref name="name"/> in the exported graph.</summary>
    public static string QuantizedName(string name) => name + "_QuantizeLinear_Output";

    /// <summary>The QDQ graph with each graph output's int8 form (its QuantizeLinear output) added as an extra output, for LSB comparisons.</summary>
    public static Graph WithInt8Outputs(Graph qdq) => qdq with
    {
        Outputs = qdq.Outputs.AddRange(qdq.Outputs.Select(o => new ValueInfo(QuantizedName(o.Name), new TensorType(DataType.Int8, o.Type.Shape)))),
    };

    public static Graph ToGraph(QuantizedModel model)
    {
        var source = model.Graph;
        int opset = Math.Max(MinOpset, source.Opset);
        var nodes = new List<Node>();
        var initializers = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var dequantized = new Dictionary<string, string>(StringComparer.Ordinal);

        void QuantizeValue(string value, string producedAs)
        {
            var q = model.Activations[value];
            string scale = Add(initializers, value + "_scale", Tensor.Scalar(q.Scale));
            string zeroPoint = Add(initializers, value + "_zero_point", Tensor.FromArray(new[] { (sbyte)q.ZeroPoint }));
            string quantized = QuantizedName(value);
            string output = source.IsGraphOutput(value) ? value : value + "_DequantizeLinear_Output";
            nodes.Add(Make(value + "_QuantizeLinear", "QuantizeLinear", [producedAs, scale, zeroPoint], quantized));
            nodes.Add(Make(value + "_DequantizeLinear", "DequantizeLinear", [quantized, scale, zeroPoint], output));
            dequantized[value] = output;
        }

        string input = model.InputName;
        QuantizeValue(input, input);
        foreach (var step in model.Steps)
        {
            var node = step.Node;
            var inputs = node.Inputs.ToArray();
            for (int i = 0; i < inputs.Length; i++)
            {
                if (dequantized.TryGetValue(inputs[i], out var dq))
                {
                    inputs[i] = dq;
                }
            }

            var copy = node with { Inputs = [.. inputs] };
            if (step.Weights is { } w)
            {
                copy = copy with { Inputs = copy.Inputs.SetItem(1, DequantizeWeights(nodes, initializers, node, w)) };
                if (step.Bias is { } bias)
                {
                    copy = copy with { Inputs = copy.Inputs.SetItem(2, DequantizeBias(nodes, initializers, node, model.Activations[step.Inputs[0]], w, bias)) };
                }

                if (node.OpType == "Gemm")
                {
                    // alpha and beta are already multiplied into the quantized weights and bias.
                    copy = copy with { Attributes = copy.Attributes.Remove("alpha").Remove("beta") };
                }
            }

            copy = ForOpset(copy, source, opset, initializers);
            foreach (var constant in copy.Inputs.Where(n => n.Length > 0 && source.Initializers.ContainsKey(n)))
            {
                initializers[constant] = source.Initializers[constant];
            }

            var last = copy;
            if (step.FusedActivation is { } activation)
            {
                nodes.Add(copy);
                last = ForOpset(activation, source, opset, initializers);
            }

            string producedAs = source.IsGraphOutput(step.Output) ? step.Output + "_prequant" : step.Output;
            last = last with { Outputs = last.Outputs.SetItem(0, producedAs) };
            foreach (var extra in last.Inputs.Skip(1).Where(n => n.Length > 0 && source.Initializers.ContainsKey(n)))
            {
                initializers[extra] = source.Initializers[extra];
            }

            nodes.Add(last);
            QuantizeValue(step.Output, producedAs);
        }

        return new Graph
        {
            Name = source.Name + "_qdq",
            Inputs = source.Inputs.Where(i => !source.Initializers.ContainsKey(i.Name)).ToImmutableArray(),
            Outputs = [.. source.Outputs.Select(o => new ValueInfo(o.Name, source.TypeOf(o.Name) ?? o.Type))],
            Nodes = [.. nodes],
            Initializers = initializers.ToImmutableDictionary(StringComparer.Ordinal),
            Opsets = source.Opsets.SetItem("", opset),
        };
    }

    private static string DequantizeWeights(List<Node> nodes, Dictionary<string, Tensor> initializers, Node node, QuantizedWeights w)
    {
        string baseName = Unique(initializers, w.Name);
        string values = Add(initializers, baseName + "_quantized", w.ToTensor());
        string scale = Add(initializers, baseName + "_scale", Tensor.FromArray((float[])w.Quantization.Scales.Clone(), w.Channels));
        string zeroPoint = Add(initializers, baseName + "_zero_point", Tensor.FromArray(new sbyte[w.Channels], w.Channels));
        string output = baseName + "_DequantizeLinear_Output";
        nodes.Add(Make(baseName + "_DequantizeLinear", "DequantizeLinear", [values, scale, zeroPoint], output, w.Quantization.Axis));
        return output;
    }

    private static string DequantizeBias(List<Node> nodes, Dictionary<string, Tensor> initializers, Node node, TensorQuantization input, QuantizedWeights w, int[] bias)
    {
        string baseName = Unique(initializers, node.Inputs[2]);
        var scales = Enumerable.Range(0, w.Channels).Select(c => Quantizer.BiasScale(input, w.Quantization, c)).ToArray();
        string values = Add(initializers, baseName + "_quantized", Tensor.FromArray((int[])bias.Clone(), bias.Length));
        string scale = Add(initializers, baseName + "_scale", Tensor.FromArray(scales, scales.Length));
        string output = baseName + "_DequantizeLinear_Output";
        nodes.Add(Make(baseName + "_DequantizeLinear", "DequantizeLinear", [values, scale], output, 0));
        return output;
    }

    /// <summary>Re-expresses a node whose form changed between the source opset and the export opset (Clip's bounds became inputs in 11).</summary>
    private static Node ForOpset(Node node, Graph source, int opset, Dictionary<string, Tensor> initializers)
    {
        if (source.Opset >= opset || node.OpType is not ("Clip" or "Softmax"))
        {
            return node;
        }

        if (node.OpType == "Softmax")
        {
            var rank = source.TypeOf(node.Inputs[0])?.Shape?.Count;
            long axis = node.GetInt("axis", 1);
            if (rank is null || (axis != rank - 1 && axis != -1))
            {
                throw new EdgePruneException($"{node.Describe()}: opset-{source.Opset} Softmax over the flattened tail from axis {axis} has no single-axis opset-{opset} form; export the model with axis = last");
            }

            return node.WithAttribute("axis", AttributeValue.Of(-1L));
        }

        var (low, high) = StepPlanner.ActivationBounds(source, node);
        string min = Add(initializers, node.Name + "_min", Tensor.Scalar(low == float.NegativeInfinity ? float.MinValue : low));
        string max = Add(initializers, node.Name + "_max", Tensor.Scalar(high == float.PositiveInfinity ? float.MaxValue : high));
        return node with { Inputs = [node.Inputs[0], min, max], Attributes = ImmutableDictionary<string, AttributeValue>.Empty };
    }

    private static Node Make(string name, string opType, string[] inputs, string output, int? axis = null) => new()
    {
        Name = name,
        OpType = opType,
        Inputs = [.. inputs],
        Outputs = [output],
        Attributes = axis is { } a
            ? ImmutableDictionary<string, AttributeValue>.Empty.Add("axis", AttributeValue.Of((long)a))
            : ImmutableDictionary<string, AttributeValue>.Empty,
    };

    private static string Add(Dictionary<string, Tensor> initializers, string name, Tensor value)
    {
        initializers[name] = value;
        return name;
    }

    private static string Unique(Dictionary<string, Tensor> initializers, string name)
    {
        string candidate = name;
        for (int k = 1; initializers.ContainsKey(candidate + "_quantized"); k++)
        {
            candidate = $"{name}_{k}";
        }

        return candidate;
    }
}
