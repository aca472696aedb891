using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Core.Ops;
using EdgePrune.TestSupport;

namespace EdgePrune.Cli.Tests;

/// <summary>Small models with hand-computable costs, written to disk as ONNX for the CLI.</summary>
internal static class TestModels
{
    /// <summary>
    /// x[N,8] → Gemm(w1[8,4], bias[4]) → Relu → Gemm(w2[4,4], bias[4]) → y[N,4]; the bias is shared, so it
    /// counts once, with the first Gemm.
    /// </summary>
    public static Graph TwoGemms()
    {
        var random = new Random(5);
        var b = new GraphBuilder(name: "two_gemms");
        string x = b.Input("x", DataType.Float, Dim.Named("N"), 8);
        string bias = b.Initializer("bias", TestTensors.Uniform(random, [4]));
        string g1 = b.Op("Gemm", [x, b.Initializer("w1", TestTensors.Uniform(random, [8, 4])), bias]);
        string r = b.Op("Relu", [g1]);
        string y = b.Op("Gemm", [r, b.Initializer("w2", TestTensors.Uniform(random, [4, 4])), bias]);
        b.Output(y);
        return b.Build();
    }

    /// <summary>Writes the graph (with inferred output types, so ONNX Runtime loads it) and returns the path.</summary>
    public static string Save(Graph graph, string path)
    {
        OnnxExporter.Save(new Model { Graph = ShapeInference.Infer(graph, "test") }, path);
        return path;
    }

    /// <summary>Writes the graph as it is, without inference or validation (for malformed graphs).</summary>
    public static string SaveUnchecked(Graph graph, string path)
    {
        File.WriteAllBytes(path, OnnxExporter.ToBytes(new Model { Graph = graph }));
        return path;
    }
}
