using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;
using EdgePrune.Training.Autograd;

namespace EdgePrune.Training.Tests.Autograd;

/// <summary>
/// Central finite differences against the engine's analytic gradients. The loss is L = Σ wᵢ·yᵢ with fixed random
/// weights w, summed in float64. The forward pass of the oracle is the Core reference executor (an independent
/// implementation) in fp32, so the step is eps = 1e-2 and the tolerance is |fd − analytic| ≤ 3e-3 + 3e-2·|fd|:
/// fp32 rounding of L (≈1e-7·Σ|wy|) divided by 2·eps stays near 1e-4 for these sizes, and the truncation error
/// eps²·L‴ near 1e-4 for the smooth ops. Inputs of kinked ops are kept further than eps from their kinks.
/// </summary>
internal static class GradientCheck
{
    private const double Step = 1e-2;

    /// <summary>Checks every trainable initializer of <paramref name="graph"/> (up to <paramref name="samples"/> elements each).</summary>
    public static void Run(Graph graph, int seed, bool training = false, int samples = 24)
    {
        string output = graph.Outputs[0].Name;
        var engine = new AutogradEngine(graph);
        engine.Forward(new Dictionary<string, Tensor>(), training);
        var y = engine.Output(output);
        var random = new Random(seed);
        var weights = new float[y.ElementCount];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(random.NextDouble() * 2 - 1);
        }

        var reference = ReferenceExecutor.Run(graph, new Dictionary<string, Tensor>())[output];
        Assert.Equal(reference.Shape.ToArray(), y.Shape.ToArray());
        if (!training)
        {
            TestSupport.Agreement.AssertClose(reference, y, 1e-4f, 1e-4f, "engine forward vs reference executor");
        }

        engine.Backward(output, weights);
        Assert.NotEmpty(engine.Parameters);
        foreach (var parameter in engine.Parameters)
        {
            var analytic = parameter.Gradient.ToArray();
            var original = graph.Initializers[parameter.Name].ToFloatArray();
            int count = Math.Min(samples, original.Length);
            var indices = Enumerable.Range(0, original.Length).OrderBy(_ => random.Next()).Take(count);
            foreach (int i in indices)
            {
                double plus = Loss(graph, parameter.Name, original, i, Step, weights, output, training);
                double minus = Loss(graph, parameter.Name, original, i, -Step, weights, output, training);
                double numeric = (plus - minus) / (2 * Step);
                double error = Math.Abs(numeric - analytic[i]);
                Assert.True(error <= 3e-3 + 3e-2 * Math.Abs(numeric),
                    $"∂L/∂{parameter.Name}[{i}]: analytic {analytic[i]:G6}, finite difference {numeric:G6}");
            }
        }
    }

    private static double Loss(Graph graph, string name, float[] original, int index, double step, float[] weights, string output, bool training)
    {
        var data = (float[])original.Clone();
        data[index] = (float)(data[index] + step);
        var shape = graph.Initializers[name].Shape.ToArray();
        var changed = graph with { Initializers = graph.Initializers.SetItem(name, Tensor.FromArray(data, shape)) };
        Tensor y;
        if (training)
        {
            // The reference executor has no training mode (batch statistics); the engine's own training forward
            // is the function differentiated here, and is checked against hand-computed statistics elsewhere.
            var engine = new AutogradEngine(changed);
            engine.Forward(new Dictionary<string, Tensor>(), training: true);
            y = engine.Output(output);
        }
        else
        {
            y = ReferenceExecutor.Run(changed, new Dictionary<string, Tensor>())[output];
        }

        var values = y.Span<float>();
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sum += (double)weights[i] * values[i];
        }

        return sum;
    }
}
