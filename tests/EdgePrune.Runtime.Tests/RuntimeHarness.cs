using EdgePrune.Core.Ir;
using EdgePrune.Export.Epb;
using EdgePrune.TestSupport;

namespace EdgePrune.Runtime.Tests;

/// <summary>Writes a graph as .epb, loads it and compares one run against ONNX Runtime.</summary>
internal static class RuntimeHarness
{
    public static EpbModel Load(Graph graph, EpbWriteOptions? options = null) => EpbModel.Load(EpbWriter.Write(graph, options).Bytes);

    public static (float[] Expected, float[] Actual) RunBoth(Graph graph, Tensor input, EpbWriteOptions? options = null)
    {
        var model = Load(graph, options);
        var expected = OrtOracle.Run(graph, new Dictionary<string, Tensor> { [graph.Inputs[0].Name] = input })[graph.Outputs[0].Name].ToFloatArray();
        var actual = new float[model.Outputs[0].ElementCount];
        model.Run(input.ToFloatArray(), actual);
        return (expected, actual);
    }

    /// <summary>Every element within 1e-5 relative to the output's largest magnitude (plus 1e-6 absolute).</summary>
    public static void AssertClose(float[] expected, float[] actual, float relative = 1e-5f)
    {
        Assert.Equal(expected.Length, actual.Length);
        float scale = expected.Max(MathF.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            float diff = MathF.Abs(expected[i] - actual[i]);
            Assert.True(diff <= 1e-6f + (relative * scale), $"[{i}]: {actual[i]:R} vs ONNX Runtime {expected[i]:R} (|diff| {diff:G3}, scale {scale:G3})");
        }
    }
}
