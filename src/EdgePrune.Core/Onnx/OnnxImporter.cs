using System.Collections.Immutable;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;
using Google.Protobuf;
using P = EdgePrune.Core.Onnx.Proto;

namespace EdgePrune.Core.Onnx;

/// <summary>
/// Reads ONNX files into EdgePrune's IR. Every problem is an <see cref="EdgePruneException"/> that names
/// the file and what is wrong; unsupported ops, attributes and types are collected over the whole graph
/// and reported together.
/// </summary>
public static class OnnxImporter
{
    /// <summary>Protobuf nesting deeper than this is refused (no legitimate model comes close).</summary>
    private const int MaxRecursionDepth = 64;

    public static Model Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgePruneException($"{path}: cannot read the model file ({e.Message})", e);
        }

        return Load(bytes, path);
    }

    /// <param name="sourceName">How messages name the input (usually the file path).</param>
    public static Model Load(ReadOnlySpan<byte> bytes, string sourceName)
    {
        if (bytes.IsEmpty)
        {
            throw new EdgePruneException($"{sourceName}: the file is empty; expected an ONNX model");
        }

        var proto = new P.ModelProto();
        try
        {
            using var stream = new MemoryStream(bytes.ToArray(), writable: false);
            using var input = CodedInputStream.CreateWithLimits(stream, int.MaxValue, MaxRecursionDepth);
            proto.MergeFrom(input);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or ArgumentException or InvalidOperationException or OverflowException or IndexOutOfRangeException)
        {
            throw new EdgePruneException($"{sourceName}: not a valid ONNX file (protobuf decoding failed: {e.Message}); is the file truncated or of another format?", e);
        }

        return Convert(proto, sourceName);
    }

    private static Model Convert(P.ModelProto proto, string sourceName)
    {
        if (proto.Graph is null || (proto.Graph.Node.Count == 0 && proto.Graph.Output.Count == 0))
        {
            throw new EdgePruneException($"{sourceName}: not an ONNX model (no graph found); is this the right file?");
        }

        if (proto.IrVersion is < 3 or > 11)
        {
            throw new EdgePruneException($"{sourceName}: ONNX IR version {proto.IrVersion} is not supported (EdgePrune reads IR versions 3 to 11)");
        }

        var opsets = ImmutableDictionary.CreateBuilder<string, int>();
        foreach (var op in proto.OpsetImport)
        {
            string domain = op.Domain == "ai.onnx" ? "" : op.Domain;
            opsets[domain] = (int)Math.Clamp(op.Version, 0, int.MaxValue);
        }

        if (!opsets.ContainsKey(""))
        {
            throw new EdgePruneException($"{sourceName}: the model declares no default ONNX opset (opset_import is missing the \"\" domain)");
        }

        int opset = opsets[""];
        if (opset is < Graph.MinOpset or > Graph.MaxOpset)
        {
            throw new EdgePruneException($"{sourceName}: opset {opset} is not supported (EdgePrune reads opsets {Graph.MinOpset} to {Graph.MaxOpset}); re-export the model with an opset in that range");
        }

        var problems = new List<string>();
        var g = proto.Graph;
        if (g.Node.FirstOrDefault(n => n.Domain == Trees.TreeEnsembleImporter.MlDomain && n.OpType.StartsWith("TreeEnsemble", StringComparison.Ordinal)) is { } tree)
        {
            // Tree ensembles are a second model kind with their own importer; say so instead of listing an unsupported op.
            throw new EdgePruneException($"{sourceName}: this is a tree-ensemble model ({tree.OpType} in ai.onnx.ml), not a network; use `edgeprune tree prune|export` (TreeEnsembleImporter.Load) for it");
        }

        var initializers = ImmutableDictionary.CreateBuilder<string, Tensor>();
        foreach (var t in g.Initializer)
        {
            string where = $"initializer '{t.Name}'";
            if (string.IsNullOrEmpty(t.Name))
            {
                problems.Add("an initializer has no name");
                continue;
            }

            var tensor = ReadTensor(t, where, problems);
            if (tensor is not null && !initializers.TryAdd(t.Name, tensor))
            {
                problems.Add($"{where} is defined twice");
            }
        }

        if (g.SparseInitializer.Count > 0)
        {
            problems.Add($"{g.SparseInitializer.Count} sparse initializer(s): sparse ONNX tensors are not supported; densify them before import");
        }

        // Before IR version 4 every initializer was also listed as a graph input; such inputs are constants here.
        var inputs = g.Input
            .Where(v => !initializers.ContainsKey(v.Name))
            .Select(v => ReadValueInfo(v, "graph input", problems))
            .OfType<ValueInfo>()
            .ToImmutableArray();
        var outputs = g.Output.Select(v => ReadValueInfo(v, "graph output", problems)).OfType<ValueInfo>().ToImmutableArray();

        var valueTypes = ImmutableDictionary.CreateBuilder<string, TensorType>();
        foreach (var v in g.ValueInfo)
        {
            var info = ReadValueInfo(v, "value_info", problems);
            if (info is not null && info.Type.Shape is not null)
            {
                valueTypes[info.Name] = info.Type;
            }
        }

        var nodes = new List<Node>(g.Node.Count);
        for (int i = 0; i < g.Node.Count; i++)
        {
            nodes.Add(ReadNode(g.Node[i], i, problems));
        }

        if (problems.Count > 0)
        {
            throw new UnsupportedModelException(sourceName, problems);
        }

        var graph = new Graph
        {
            Name = string.IsNullOrEmpty(g.Name) ? Path.GetFileNameWithoutExtension(sourceName) : g.Name,
            Inputs = inputs,
            Outputs = outputs,
            Nodes = [.. nodes],
            Initializers = initializers.ToImmutable(),
            ValueTypes = valueTypes.ToImmutable(),
            Opsets = opsets.ToImmutable(),
        };

        graph = GraphValidator.SortAndCheckStructure(graph, sourceName);
        OpSet.Default.ThrowIfUnsupported(graph, sourceName);
        graph = ShapeInference.Infer(graph, sourceName);

        return new Model
        {
            Graph = graph,
            IrVersion = proto.IrVersion,
            ProducerName = proto.ProducerName,
            ProducerVersion = proto.ProducerVersion,
            Metadata = proto.MetadataProps
                .GroupBy(p => p.Key)
                .ToImmutableDictionary(p => p.Key, p => p.Last().Value),
        };
    }

    private static Node ReadNode(P.NodeProto n, int index, List<string> problems)
    {
        string name = string.IsNullOrEmpty(n.Name) ? $"{n.OpType}_{index}" : n.Name;
        string domain = n.Domain == "ai.onnx" ? "" : n.Domain;
        var attributes = ImmutableDictionary.CreateBuilder<string, AttributeValue>();
        foreach (var a in n.Attribute)
        {
            var value = ReadAttribute(a, $"{n.OpType} '{name}' attribute '{a.Name}'", problems);
            if (value is not null)
            {
                attributes[a.Name] = value;
            }
        }

        if (string.IsNullOrEmpty(n.OpType))
        {
            problems.Add($"node #{index} ('{name}') has no op_type");
        }

        return new Node
        {
            Name = name,
            OpType = n.OpType,
            Domain = domain,
            Inputs = [.. n.Input],
            Outputs = [.. n.Output],
            Attributes = attributes.ToImmutable(),
        };
    }

    private static AttributeValue? ReadAttribute(P.AttributeProto a, string where, List<string> problems)
    {
        if (!string.IsNullOrEmpty(a.RefAttrName))
        {
            problems.Add($"{where} refers to a function attribute; model-local functions are not supported");
            return null;
        }

        var type = a.Type;
        if (type == P.AttributeProto.Types.AttributeType.Undefined)
        {
            // Files from IR version < 2 leave the type out; it follows from which field is set.
            type = a.Floats.Count > 0 ? P.AttributeProto.Types.AttributeType.Floats
                : a.Ints.Count > 0 ? P.AttributeProto.Types.AttributeType.Ints
                : a.Strings.Count > 0 ? P.AttributeProto.Types.AttributeType.Strings
                : a.T is not null ? P.AttributeProto.Types.AttributeType.Tensor
                : a.G is not null ? P.AttributeProto.Types.AttributeType.Graph
                : a.HasS ? P.AttributeProto.Types.AttributeType.String
                : a.HasF ? P.AttributeProto.Types.AttributeType.Float
                : P.AttributeProto.Types.AttributeType.Int;
        }

        switch (type)
        {
            case P.AttributeProto.Types.AttributeType.Float: return AttributeValue.Of(a.F);
            case P.AttributeProto.Types.AttributeType.Int: return AttributeValue.Of(a.I);
            case P.AttributeProto.Types.AttributeType.String: return AttributeValue.Of(a.S.ToStringUtf8());
            case P.AttributeProto.Types.AttributeType.Floats: return AttributeValue.Of(a.Floats.ToArray());
            case P.AttributeProto.Types.AttributeType.Ints: return AttributeValue.Of(a.Ints.ToArray());
            case P.AttributeProto.Types.AttributeType.Strings: return AttributeValue.Of(a.Strings.Select(s => s.ToStringUtf8()).ToArray());
            case P.AttributeProto.Types.AttributeType.Tensor:
                if (a.T is null)
                {
                    problems.Add($"{where} is declared as a tensor but holds none");
                    return null;
                }

                var tensor = ReadTensor(a.T, where, problems);
                return tensor is null ? null : AttributeValue.Of(tensor);
            default:
                return new AttributeValue { Kind = AttributeKind.Unsupported, UnsupportedKindName = type.ToString().ToUpperInvariant() };
        }
    }

    private static ValueInfo? ReadValueInfo(P.ValueInfoProto v, string role, List<string> problems)
    {
        if (string.IsNullOrEmpty(v.Name))
        {
            problems.Add($"a {role} has no name");
            return null;
        }

        if (v.Type is null)
        {
            return new ValueInfo(v.Name, new TensorType(DataType.Undefined, null));
        }

        if (v.Type.ValueCase != P.TypeProto.ValueOneofCase.TensorType)
        {
            problems.Add($"{role} '{v.Name}' is a {v.Type.ValueCase} value; only tensors are supported");
            return null;
        }

        var tt = v.Type.TensorType;
        var elementType = (DataType)tt.ElemType;
        if (tt.ElemType != 0 && !elementType.IsSupported())
        {
            problems.Add($"{role} '{v.Name}' has element type {DataTypeName(tt.ElemType)}, which is not supported");
            return null;
        }

        IReadOnlyList<Dim>? shape = null;
        if (tt.Shape is not null)
        {
            var dims = new Dim[tt.Shape.Dim.Count];
            for (int i = 0; i < dims.Length; i++)
            {
                var d = tt.Shape.Dim[i];
                dims[i] = d.ValueCase switch
                {
                    P.TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue when d.DimValue >= 0 => Dim.Of(d.DimValue),
                    P.TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam when d.DimParam.Length > 0 => Dim.Named(d.DimParam),
                    _ => Dim.Unknown,
                };
            }

            shape = dims;
        }

        return new ValueInfo(v.Name, new TensorType(elementType, shape));
    }

    /// <summary>Decodes a TensorProto, adding a problem and returning null when it cannot.</summary>
    internal static Tensor? ReadTensor(P.TensorProto t, string where, List<string> problems)
    {
        if (t.DataLocation == P.TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0)
        {
            string file = t.ExternalData.FirstOrDefault(e => e.Key == "location")?.Value ?? "?";
            problems.Add($"{where} keeps its data in an external file ('{file}'); external data is not supported: re-save the model with all tensors inside the .onnx file (onnx.save_model(..., save_as_external_data=False))");
            return null;
        }

        if (t.Segment is not null)
        {
            problems.Add($"{where} is a segment of a split tensor; segmented tensors are not supported");
            return null;
        }

        var dataType = (DataType)t.DataType;
        if (!dataType.IsSupported())
        {
            problems.Add($"{where} has data type {DataTypeName(t.DataType)}, which is not supported");
            return null;
        }

        var shape = new int[t.Dims.Count];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = t.Dims[i];
            if (d < 0 || d > int.MaxValue)
            {
                problems.Add($"{where} has an invalid dimension {d}");
                return null;
            }

            shape[i] = (int)d;
            count *= d;
            if (count > Array.MaxLength)
            {
                problems.Add($"{where} has shape [{string.Join(", ", t.Dims)}], too large to hold in memory");
                return null;
            }
        }

        try
        {
            if (t.HasRawData)
            {
                return Tensor.FromRawBytes(dataType, shape, t.RawData.Span);
            }

            return ReadTypedFields(t, dataType, shape, count);
        }
        catch (EdgePruneException e)
        {
            problems.Add($"{where}: {e.Message}");
            return null;
        }
    }

    private static Tensor ReadTypedFields(P.TensorProto t, DataType dataType, int[] shape, long count)
    {
        int available = dataType switch
        {
            DataType.Float => t.FloatData.Count,
            DataType.Double => t.DoubleData.Count,
            DataType.Int64 => t.Int64Data.Count,
            DataType.UInt32 or DataType.UInt64 => t.Uint64Data.Count,
            _ => t.Int32Data.Count,
        };
        if (available != count)
        {
            throw new EdgePruneException($"{dataType.OnnxName()} tensor of shape {Tensor.FormatShape(shape)} needs {count} elements but its data field holds {available}");
        }

        Array data = dataType switch
        {
            DataType.Float => t.FloatData.ToArray(),
            DataType.Double => t.DoubleData.ToArray(),
            DataType.Int64 => t.Int64Data.ToArray(),
            DataType.UInt64 => t.Uint64Data.ToArray(),
            DataType.UInt32 => t.Uint64Data.Select(v => (uint)v).ToArray(),
            DataType.Int32 => t.Int32Data.ToArray(),
            DataType.Int16 => t.Int32Data.Select(v => (short)v).ToArray(),
            DataType.UInt16 => t.Int32Data.Select(v => (ushort)v).ToArray(),
            DataType.Int8 => t.Int32Data.Select(v => (sbyte)v).ToArray(),
            DataType.UInt8 => t.Int32Data.Select(v => (byte)v).ToArray(),
            DataType.Bool => t.Int32Data.Select(v => v != 0).ToArray(),
            DataType.Float16 => t.Int32Data.Select(v => BitConverter.UInt16BitsToHalf((ushort)v)).ToArray(),
            _ => throw new EdgePruneException($"data type {dataType} cannot be read from typed fields"),
        };
        return Tensor.Create(dataType, shape, data);
    }

    internal static string DataTypeName(int onnxType) => onnxType switch
    {
        8 => "string",
        14 => "complex64",
        15 => "complex128",
        16 => "bfloat16",
        17 => "float8e4m3fn",
        18 => "float8e4m3fnuz",
        19 => "float8e5m2",
        20 => "float8e5m2fnuz",
        21 => "uint4",
        22 => "int4",
        23 => "float4e2m1",
        _ => Enum.IsDefined(typeof(DataType), onnxType) ? ((DataType)onnxType).OnnxName() : $"#{onnxType} (unknown)",
    };
}
