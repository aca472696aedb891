using EdgePrune.Core.Ir;
using EdgePrune.Training.Autograd;

namespace EdgePrune.Training.Tests.Autograd;

/// <summary>
/// The engine's analytic gradients against central finite differences computed entirely in float64. The loss is
/// L = Σ wᵢ·yᵢ with fixed random weights w; the function differentiated numerically is <see cref="Float64Forward"/>
/// (the test's own double-precision forward pass), so the numbers compared come from two independent
/// implementations: the engine's fp32 backward rules and a double-precision forward.
/// <para>
/// Step and tolerance: with h = 1e-6 the central difference's truncation error (h²/6·|L‴| ≈ 1e-13) and rounding
/// error (≈ 1e-16·Σ|wy| / h ≈ 1e-9 for these sizes) are both far below what is compared against. The analytic side
/// is computed in fp32, so it is off from the exact gradient by the rounding of fp32 sums of products: about
/// n·u·Σ|terms| for n terms with u = 6e-8, i.e. ≤ 1e-5 for the few hundred terms of unit size of these graphs. The
/// tolerance |fd − analytic| ≤ 5e-5 + 1e-4·|fd| leaves a small margin above that and is 60× tighter than what a
/// float32 finite difference allowed (3e-3 + 3 %).
/// </para>
/// Inputs of kinked ops are kept far (≥ 0.05) from their kinks, so a step of 1e-6 never crosses one.
/// </summary>
internal static class GradientCheck
{
    private const double Step = 1e-6;
    private const double AbsoluteTolerance = 5e-5;
    private const double RelativeTolerance = 1e-4;

    /// <summary>Checks every trainable initializer of <paramref name="graph"/> (up to <paramref name="samples"/> random elements each).</summary>
    public static void Run(Graph graph, int seed, bool training = false, int samples = 24)
    {
        string output = graph.Outputs[0].Name;
        var engine = new AutogradEngine(graph);
        engine.Forward(new Dictionary<string, Tensor>(), training);
        var y = engine.Output(output);
        var expected = Float64Forward.Run(graph, training);
        Assert.Equal(expected.Shape, y.Shape.ToArray());
        var values = y.Span<float>();
        for (int i = 0; i < values.Length; i++)
        {
            Assert.True(Math.Abs(values[i] - expected.Data[i]) <= 5e-5 + 1e-5 * Math.Abs(expected.Data[i]),
                $"forward output [{i}]: engine {values[i]:G9}, float64 oracle {expected.Data[i]:G9}");
        }

        var random = new Random(seed);
        var weights = new float[y.ElementCount];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(random.NextDouble() * 2 - 1);
        }

        engine.Backward(output, weights);
        Assert.NotEmpty(engine.Parameters);
        foreach (var parameter in engine.Parameters)
        {
            var analytic = parameter.Gradient.ToArray();
            var original = Array.ConvertAll(graph.Initializers[parameter.Name].ToFloatArray(), v => (double)v);
            int count = Math.Min(samples, original.Length);
            foreach (int i in Enumerable.Range(0, original.Length).OrderBy(_ => random.Next()).Take(count))
            {
                double plus = Loss(graph, parameter.Name, original, i, Step, weights, training);
                double minus = Loss(graph, parameter.Name, original, i, -Step, weights, training);
                double numeric = (plus - minus) / (2 * Step);
                double error = Math.Abs(numeric - analytic[i]) / (AbsoluteTolerance + RelativeTolerance * Math.Abs(numeric));
                Assert.True(error <= 1,
                    $"∂L/∂{parameter.Name}[{i}]: analytic (fp32) {analytic[i]:G9}, central difference (float64) {numeric:G9}");
            }
        }
    }

    private static double Loss(Graph graph, string name, double[] original, int index, double step, float[] weights, bool training)
    {
        var data = (double[])original.Clone();
        data[index] += step;
        var y = Float64Forward.Run(graph, training, name, data).Data;
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            sum += weights[i] * y[i];
        }

        return sum;
    }
}
