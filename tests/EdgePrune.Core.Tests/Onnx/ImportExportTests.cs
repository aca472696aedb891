using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;
using Google.Protobuf;
using P = EdgePrune.Core.Onnx.Proto;

namespace EdgePrune.Core.Tests.Onnx;

/// <summary>Import and export details that exporters other than ours produce, each checked against ONNX Runtime.</summary>
public sealed class ImportExportTests
{
    /// <summary>x[2,3] · W[3,2] + b[2], written by hand as protobuf with the initializers in typed fields.</summary>
    private static P.ModelProto TypedFieldModel()
    {
        var graph = new P.GraphProto { Name = "typed" };
        graph.Input.Add(ValueInfo("x", 2, 3));
        graph.Output.Add(ValueInfo("y", 2, 2));
        var weight = new P.TensorProto { Name = "W", DataType = (int)DataType.Float };
        weight.Dims.AddRange([3, 2]);
        weight.FloatData.AddRange([0.5f, -1f, 2f, 0.25f, -0.75f, 1.5f]);
        var bias = new P.TensorProto { Name = "b", DataType = (int)DataType.Float };
        bias.Dims.Add(2);
        bias.FloatData.AddRange([0.1f, -0.2f]);
        graph.Initializer.AddRange([weight, bias]);
        var product = new P.NodeProto { Name = "mm", OpType = "MatMul" };
        product.Input.AddRange(["x", "W"]);
        product.Output.Add("xw");
        var sum = new P.NodeProto { Name = "add", OpType = "Add" };
        sum.Input.AddRange(["xw", "b"]);
        sum.Output.Add("y");
        graph.Node.AddRange([product, sum]);
        var model = new P.ModelProto { IrVersion = 7, Graph = graph };
        model.OpsetImport.Add(new P.OperatorSetIdProto { Domain = "", Version = 13 });
        return model;
    }

    private static P.ValueInfoProto ValueInfo(string name, params long[] shape)
    {
        var tensor = new P.TypeProto.Types.Tensor { ElemType = (int)DataType.Float, Shape = new P.TensorShapeProto() };
        tensor.Shape.Dim.AddRange(shape.Select(d => new P.TensorShapeProto.Types.Dimension { DimValue = d }));
        return new P.ValueInfoProto { Name = name, Type = new P.TypeProto { TensorType = tensor } };
    }

    private static Dictionary<string, Tensor> Feeds() => new() { ["x"] = TestTensors.Uniform(new Random(3), [2, 3]) };

    [Fact]
    public void Initializers_in_typed_fields_import_and_run_like_OnnxRuntime()
    {
        byte[] bytes = TypedFieldModel().ToByteArray();

        var model = OnnxImporter.Load(bytes, "typed.onnx");

        Assert.Equal([0.5f, -1f, 2f, 0.25f, -0.75f, 1.5f], model.Graph.Initializers["W"].ToFloatArray());
        Agreement.AssertClose(OrtOracle.Run(bytes, Feeds())["y"], ReferenceExecutor.Run(model.Graph, Feeds())["y"], atol: 1e-6f, rtol: 1e-6f);
    }

    [Fact]
    public void Export_writes_raw_data_that_OnnxRuntime_runs_identically()
    {
        byte[] original = TypedFieldModel().ToByteArray();

        byte[] exported = OnnxExporter.ToBytes(OnnxImporter.Load(original, "typed.onnx"));

        var proto = P.ModelProto.Parser.ParseFrom(exported);
        Assert.All(proto.Graph.Initializer, t => Assert.False(t.RawData.IsEmpty));
        Assert.Equal(OrtOracle.Run(original, Feeds())["y"].ToFloatArray(), OrtOracle.Run(exported, Feeds())["y"].ToFloatArray());
    }

    [Fact]
    public void External_data_is_refused_with_what_to_do()
    {
        var proto = TypedFieldModel();
        var weight = proto.Graph.Initializer[0];
        weight.FloatData.Clear();
        weight.DataLocation = P.TensorProto.Types.DataLocation.External;
        weight.ExternalData.Add(new P.StringStringEntryProto { Key = "location", Value = "weights.bin" });

        var error = Assert.ThrowsAny<EdgePruneException>(() => OnnxImporter.Load(proto.ToByteArray(), "external.onnx"));

        Assert.Contains("'W'", error.Message, StringComparison.Ordinal);
        Assert.Contains("external file ('weights.bin')", error.Message, StringComparison.Ordinal);
        Assert.Contains("save_as_external_data=False", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Graph_built_in_code_without_output_types_is_exported_with_them_so_OnnxRuntime_loads_it()
    {
        var b = new GraphBuilder(opset: 13);
        string x = b.Input("x", DataType.Float, Dim.Named("N"), 3);
        b.Output(b.Op("Relu", [b.Op("MatMul", [x, b.Initializer("W", TestTensors.Uniform(new Random(1), [3, 2]))])]));
        var graph = b.Build();
        Assert.Equal(DataType.Undefined, graph.Outputs[0].Type.ElementType);

        byte[] exported = OnnxExporter.ToBytes(new Model { Graph = graph });

        var output = P.ModelProto.Parser.ParseFrom(exported).Graph.Output.Single();
        Assert.Equal((int)DataType.Float, output.Type.TensorType.ElemType);
        Agreement.AssertClose(OrtOracle.Run(exported, Feeds())[graph.Outputs[0].Name], ReferenceExecutor.Run(graph, Feeds())[graph.Outputs[0].Name], atol: 1e-6f, rtol: 1e-6f);
    }

    [Fact]
    public void Ir_version_3_export_lists_initializers_as_inputs_as_that_version_requires()
    {
        var model = OnnxImporter.Load(TypedFieldModel().ToByteArray(), "typed.onnx");
        var old = model with { IrVersion = 3, Graph = model.Graph with { Opsets = model.Graph.Opsets.SetItem("", 8) } };

        byte[] exported = OnnxExporter.ToBytes(old);

        Assert.Equal(["x", "W", "b"], P.ModelProto.Parser.ParseFrom(exported).Graph.Input.Select(i => i.Name).OrderBy(n => n == "x" ? "" : n));
        Assert.Equal(OrtOracle.Run(TypedFieldModel().ToByteArray(), Feeds())["y"].ToFloatArray(), OrtOracle.Run(exported, Feeds())["y"].ToFloatArray());
    }
}
