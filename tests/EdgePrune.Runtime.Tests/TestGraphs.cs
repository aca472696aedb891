using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;

namespace EdgePrune.Runtime.Tests;

/// <summary>Small models built in code, with optional magnitude pruning of their weight matrices.</summary>
internal static class TestGraphs
{
    public static Dictionary<string, AttributeValue> Attrs(params (string Name, AttributeValue Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    /// <summary>Zeroes the smallest <paramref name="sparsity"/> fraction of weights by magnitude.</summary>
    public static Tensor Pruned(Tensor t, double sparsity)
    {
        var data = t.ToFloatArray();
        if (sparsity <= 0)
        {
            return t;
        }

        float threshold = data.Select(MathF.Abs).Order().ElementAt((int)(data.Length * sparsity));
        return Tensor.FromArray(data.Select(v => MathF.Abs(v) < threshold ? 0f : v).ToArray(), t.Shape.ToArray());
    }

    /// <summary>x[1, in] → (Gemm → Relu)* → Gemm → out, layer widths given; Gemm weights [K, N] or transB [N, K] alternately.</summary>
    public static Graph Mlp(Random random, int[] widths, double sparsity, bool softmax = false)
    {
        var b = new GraphBuilder(opset: 13, name: "mlp");
        string x = b.Input("x", DataType.Float, 1, widths[0]);
        for (int i = 1; i < widths.Length; i++)
        {
            bool transB = i % 2 == 0;
            int[] shape = transB ? [widths[i], widths[i - 1]] : [widths[i - 1], widths[i]];
            string w = b.Initializer($"w{i}", Pruned(TestTensors.Uniform(random, shape), sparsity));
            string bias = b.Initializer($"b{i}", TestTensors.Uniform(random, [widths[i]]));
            x = b.Op("Gemm", [x, w, bias], Attrs(("transB", AttributeValue.Of(transB ? 1L : 0L))));
            if (i < widths.Length - 1)
            {
                x = b.Op("Relu", [x]);
            }
        }

        if (softmax)
        {
            x = b.Op("Softmax", [x]);
        }

        b.Output(x);
        return b.Build();
    }
}
