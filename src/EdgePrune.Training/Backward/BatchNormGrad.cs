using EdgePrune.Core;
using EdgePrune.Training.Autograd;

namespace EdgePrune.Training.Backward;

/// <summary>
/// BatchNormalization. In a training step it normalises with the batch's own mean and biased variance over
/// N and the spatial axes, and moves the running statistics (inputs 3 and 4, updated in place):
/// running = momentum·running + (1 − momentum)·batch (ONNX Operators.md#BatchNormalization, training_mode).
/// Backward with x̂ = (x − μ)/σ over the M elements of a channel:
/// ∂x = γ/(σM)·(M·∂y − Σ∂y − x̂·Σ(∂y·x̂)), ∂γ = Σ∂y·x̂, ∂β = Σ∂y. When evaluating, the running statistics are
/// constants and ∂x = γ/σ_running·∂y.
/// </summary>
internal sealed class BatchNormGrad : OpRule
{
    public override bool IsDifferentiable(int index) => index is 0 or 1 or 2;

    public override void Forward(NodeRun run)
    {
        if (run.Node.GetInt("spatial", 1) == 0)
        {
            throw new EdgePruneException($"{run.Node.Describe()}: spatial=0 (per-element statistics) is not supported in training");
        }

        var x = run.FloatInput(0);
        var scale = run.FloatInput(1).Span;
        var bias = run.FloatInput(2).Span;
        var runningMean = run.FloatInput(3).Span;
        var runningVar = run.FloatInput(4).Span;
        float epsilon = run.Node.GetFloat("epsilon", 1e-5f);
        float momentum = run.Node.GetFloat("momentum", 0.9f);
        int batch = x.Shape[0], channels = x.Shape.Length > 1 ? x.Shape[1] : 1;
        int plane = x.Count / Math.Max(1, batch * channels);
        var state = run.StateAs<Statistics>();
        state.Prepare(channels);
        state.Training = run.Training;
        var y = run.Outputs[0];
        y.ResizeLike(x);
        var xs = x.Span;
        var ys = y.Span;
        int m = batch * plane;
        for (int c = 0; c < channels; c++)
        {
            float mean, variance;
            if (run.Training)
            {
                double sum = 0, squares = 0;
                for (int n = 0; n < batch; n++)
                {
                    var p = xs.Slice((n * channels + c) * plane, plane);
                    foreach (float v in p)
                    {
                        sum += v;
                        squares += (double)v * v;
                    }
                }

                mean = (float)(sum / m);
                variance = (float)Math.Max(0, squares / m - (sum / m) * (sum / m));
                runningMean[c] = momentum * runningMean[c] + (1 - momentum) * mean;
                runningVar[c] = momentum * runningVar[c] + (1 - momentum) * variance;
            }
            else
            {
                mean = runningMean[c];
                variance = runningVar[c];
            }

            float inverse = 1f / MathF.Sqrt(variance + epsilon);
            state.Mean[c] = mean;
            state.InverseStd[c] = inverse;
            for (int n = 0; n < batch; n++)
            {
                int at = (n * channels + c) * plane;
                for (int i = 0; i < plane; i++)
                {
                    ys[at + i] = (xs[at + i] - mean) * inverse * scale[c] + bias[c];
                }
            }
        }
    }

    public override void Backward(NodeRun run)
    {
        var state = (Statistics)run.State!;
        var x = run.Inputs[0]!;
        var xs = x.Span;
        var scale = run.Inputs[1]!.Span;
        var gy = run.OutputGradients[0].Span;
        var gx = run.Gradient(0);
        var gScale = run.Gradient(1);
        var gBias = run.Gradient(2);
        int batch = x.Shape[0], channels = x.Shape.Length > 1 ? x.Shape[1] : 1;
        int plane = x.Count / Math.Max(1, batch * channels);
        int m = batch * plane;
        for (int c = 0; c < channels; c++)
        {
            float mean = state.Mean[c], inverse = state.InverseStd[c];
            double sumG = 0, sumGX = 0;
            for (int n = 0; n < batch; n++)
            {
                int at = (n * channels + c) * plane;
                for (int i = 0; i < plane; i++)
                {
                    float g = gy[at + i];
                    sumG += g;
                    sumGX += g * (xs[at + i] - mean) * inverse;
                }
            }

            if (gScale is not null)
            {
                gScale.Span[c] += (float)sumGX;
            }

            if (gBias is not null)
            {
                gBias.Span[c] += (float)sumG;
            }

            if (gx is null)
            {
                continue;
            }

            var g2 = gx.Span;
            float k = scale[c] * inverse;
            for (int n = 0; n < batch; n++)
            {
                int at = (n * channels + c) * plane;
                for (int i = 0; i < plane; i++)
                {
                    g2[at + i] += state.Training
                        ? k / m * (m * gy[at + i] - (float)sumG - (xs[at + i] - mean) * inverse * (float)sumGX)
                        : k * gy[at + i];
                }
            }
        }
    }

    private sealed class Statistics
    {
        public float[] Mean { get; private set; } = [];

        public float[] InverseStd { get; private set; } = [];

        public bool Training { get; set; }

        public void Prepare(int channels)
        {
            if (Mean.Length != channels)
            {
                Mean = new float[channels];
                InverseStd = new float[channels];
            }
        }
    }
}
