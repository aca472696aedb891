using EdgePrune.Core.IO;
using EdgePrune.Core.Ir;
using Google.Protobuf;
using P = EdgePrune.Core.Onnx.Proto;

namespace EdgePrune.Core.Onnx;

/// <summary>Writes EdgePrune's IR as an ONNX model that ONNX Runtime and other tools load.</summary>
public static class OnnxExporter
{
    /// <summary>Writes the model to <paramref name="path"/> atomically (temp file, then rename).</summary>
    public static void Save(Model model, string path) => AtomicFile.WriteAllBytes(path, ToBytes(model));

    public static byte[] ToBytes(Model model) => ToProto(model).ToByteArray();

    internal static P.ModelProto ToProto(Model model)
    {
        var graph = WithOutputTypes(model.Graph);
        var proto = new P.ModelProto
        {
            IrVersion = model.IrVersion,
            ProducerName = model.ProducerName,
            ProducerVersion = model.ProducerVersion,
            Graph = ToProto(graph, listInitializersAsInputs: model.IrVersion < 4),
        };
        foreach (var (domain, version) in graph.Opsets.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            proto.OpsetImport.Add(new P.OperatorSetIdProto { Domain = domain, Version = version });
        }

        foreach (var (key, value) in model.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            proto.MetadataProps.Add(new P.StringStringEntryProto { Key = key, Value = value });
        }

        return proto;
    }

    /// <summary>
    /// ONNX Runtime refuses a graph output without an element type, and graphs built in code often leave
    /// outputs untyped: fill them in by shape inference. A graph that inference rejects is written as it is,
    /// so that malformed models can still be produced (the importer's tests need them).
    /// </summary>
    private static Graph WithOutputTypes(Graph graph)
    {
        if (graph.Outputs.All(o => o.Type.ElementType != DataType.Undefined))
        {
            return graph;
        }

        var (inferred, problems) = Ops.ShapeInference.TryInfer(graph);
        return problems.Count == 0 ? inferred : graph;
    }

    private static P.GraphProto ToProto(Graph graph, bool listInitializersAsInputs)
    {
        var g = new P.GraphProto { Name = graph.Name };
        g.Input.AddRange(graph.Inputs.Select(ToProto));
        if (listInitializersAsInputs)
        {
            // IR versions before 4 require every initializer to also be declared as a graph input.
            g.Input.AddRange(graph.Initializers.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => ToProto(new ValueInfo(kv.Key, TensorType.Of(kv.Value.DataType, kv.Value.Shape.ToArray())))));
        }

        g.Output.AddRange(graph.Outputs.Select(ToProto));
        g.Node.AddRange(graph.Nodes.Select(ToProto));
        g.Initializer.AddRange(graph.Initializers.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => ToProto(kv.Value, kv.Key)));
        g.ValueInfo.AddRange(graph.ValueTypes.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Where(kv => !graph.IsGraphOutput(kv.Key))
            .Select(kv => ToProto(new ValueInfo(kv.Key, kv.Value))));
        return g;
    }

    private static P.NodeProto ToProto(Node node)
    {
        var n = new P.NodeProto { Name = node.Name, OpType = node.OpType };
        if (node.Domain.Length > 0)
        {
            n.Domain = node.Domain;
        }

        n.Input.AddRange(node.Inputs);
        n.Output.AddRange(node.Outputs);
        foreach (var (name, value) in node.Attributes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            n.Attribute.Add(ToProto(name, value, node));
        }

        return n;
    }

    private static P.AttributeProto ToProto(string name, AttributeValue value, Node node)
    {
        var a = new P.AttributeProto { Name = name };
        switch (value.Kind)
        {
            case AttributeKind.Float:
                a.Type = P.AttributeProto.Types.AttributeType.Float;
                a.F = value.Float;
                break;
            case AttributeKind.Int:
                a.Type = P.AttributeProto.Types.AttributeType.Int;
                a.I = value.Int;
                break;
            case AttributeKind.String:
                a.Type = P.AttributeProto.Types.AttributeType.String;
                a.S = ByteString.CopyFromUtf8(value.String);
                break;
            case AttributeKind.Tensor:
                a.Type = P.AttributeProto.Types.AttributeType.Tensor;
                a.T = ToProto(value.Tensor!, "");
                break;
            case AttributeKind.Floats:
                a.Type = P.AttributeProto.Types.AttributeType.Floats;
                a.Floats.AddRange(value.Floats);
                break;
            case AttributeKind.Ints:
                a.Type = P.AttributeProto.Types.AttributeType.Ints;
                a.Ints.AddRange(value.Ints);
                break;
            case AttributeKind.Strings:
                a.Type = P.AttributeProto.Types.AttributeType.Strings;
                a.Strings.AddRange(value.Strings.Select(ByteString.CopyFromUtf8));
                break;
            default:
                throw new EdgePruneException($"{node.Describe()}: attribute '{name}' of kind {value.UnsupportedKindName} cannot be written");
        }

        return a;
    }

    internal static P.TensorProto ToProto(Tensor tensor, string name)
    {
        var t = new P.TensorProto { DataType = (int)tensor.DataType, RawData = ByteString.CopyFrom(tensor.ToRawBytes()) };
        if (name.Length > 0)
        {
            t.Name = name;
        }

        foreach (int d in tensor.Shape)
        {
            t.Dims.Add(d);
        }

        return t;
    }

    private static P.ValueInfoProto ToProto(ValueInfo info)
    {
        var tensorType = new P.TypeProto.Types.Tensor { ElemType = (int)info.Type.ElementType };
        if (info.Type.Shape is not null)
        {
            tensorType.Shape = new P.TensorShapeProto();
            foreach (var d in info.Type.Shape)
            {
                var dim = new P.TensorShapeProto.Types.Dimension();
                if (d.Value is long v)
                {
                    dim.DimValue = v;
                }
                else if (d.Symbol is string s)
                {
                    dim.DimParam = s;
                }

                tensorType.Shape.Dim.Add(dim);
            }
        }

        return new P.ValueInfoProto { Name = info.Name, Type = new P.TypeProto { TensorType = tensorType } };
    }
}
