using EdgePrune.Core.Ir;
using EdgePrune.Training.Autograd;
using EdgePrune.Training.Optimization;

namespace EdgePrune.Training.Tests.Optimization;

/// <summary>Optimizer steps and schedules against the update rules written out by hand.</summary>
public class OptimizerTests
{
    [Fact]
    public void Sgd_with_nesterov_momentum_and_weight_decay_follows_the_pytorch_rule()
    {
        var p = SingleParameter([1f, -2f], out var engine);
        var sgd = new Sgd(momentum: 0.9f, nesterov: true, weightDecay: 0.1f);
        double w0 = 1, v = 0;
        for (int step = 0; step < 3; step++)
        {
            Backward(engine, [0.5f, 0.25f]);
            sgd.Step(engine.Parameters, 0.1f);
            double g = 0.5 + 0.1 * w0;
            v = 0.9 * v + g;
            w0 -= 0.1 * (g + 0.9 * v);
            Assert.Equal(w0, p.Values[0], 5);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Adam_and_AdamW_follow_the_published_rule(bool decoupled)
    {
        var p = SingleParameter([1f, -2f, 3f, 0.5f, 1f, 2f, 3f, 4f, 5f, -1f], out var engine);
        var adam = new Adam(weightDecay: 0.01f, decoupled: decoupled);
        double w = -2, m = 0, v = 0;
        for (int t = 1; t <= 4; t++)
        {
            Backward(engine, [0f, 0.3f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0.1f]);
            adam.Step(engine.Parameters, 0.01f);
            double g = 0.3;
            if (decoupled)
            {
                w -= 0.01 * 0.01 * w;
            }
            else
            {
                g += 0.01 * w;
            }

            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            w -= 0.01 * (m / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v / (1 - Math.Pow(0.999, t))) + 1e-8);
            Assert.Equal(w, p.Values[1], 5);
        }
    }

    [Fact]
    public void Masked_weights_stay_exactly_zero_under_momentum_and_decay()
    {
        var p = SingleParameter([1f, -2f, 3f], out var engine);
        p.SetMask([1f, 0f, 1f]);
        var optimizer = new Adam(weightDecay: 0.1f, decoupled: true);
        for (int step = 0; step < 5; step++)
        {
            Backward(engine, [1f, 1f, 1f]);
            optimizer.Step(engine.Parameters, 0.1f);
        }

        Assert.Equal(0f, p.Values[1]);
        Assert.NotEqual(1f, p.Values[0]);
    }

    [Fact]
    public void Global_norm_clipping_scales_all_gradients_together()
    {
        var p = SingleParameter([0f, 0f], out var engine);
        Backward(engine, [3f, 4f]);
        float norm = GradientClipping.ClipByGlobalNorm(engine.Parameters, 1f);
        Assert.Equal(5f, norm, 5);
        Assert.Equal(0.6f, p.Gradient[0], 5);
        Assert.Equal(0.8f, p.Gradient[1], 5);
    }

    [Fact]
    public void Schedules_match_their_formulas()
    {
        var cosine = new CosineSchedule(1f, TotalSteps: 110, WarmupSteps: 10);
        Assert.Equal(0.1f, cosine.At(0), 5);
        Assert.Equal(1f, cosine.At(10), 5);
        Assert.Equal(0.5f, cosine.At(60), 5);
        var step = new StepSchedule(1f, StepSize: 10, Gamma: 0.5f);
        Assert.Equal(0.25f, step.At(25), 5);
        var cycle = new OneCycleSchedule(1f, TotalSteps: 100, RisingFraction: 0.3f);
        Assert.Equal(1f / 25, cycle.At(0), 5);
        Assert.Equal(1f, cycle.At(30), 5);
        Assert.True(cycle.At(99) < 1e-3f);
    }

    /// <summary>A graph y = w (Identity) so that ∂L/∂w is exactly the gradient given to Backward.</summary>
    private static Parameter SingleParameter(float[] values, out AutogradEngine engine)
    {
        var b = new GraphBuilder(opset: 13);
        string y = b.Op("Identity", [b.Initializer("w", Tensor.FromArray(values, values.Length))]);
        b.Output(y);
        engine = new AutogradEngine(b.Build());
        engine.Forward(new Dictionary<string, Tensor>(), training: true);
        return engine.Parameters[0];
    }

    private static void Backward(AutogradEngine engine, float[] gradient) => engine.Backward(engine.Graph.Outputs[0].Name, gradient);
}
