namespace EdgePrune.Training.Optimization;

/// <summary>
/// Stochastic gradient descent as PyTorch defines it: g ← ∂L/∂w + λ·w; v ← μ·v + g; w ← w − η·(g + μ·v) with
/// Nesterov momentum, w ← w − η·v without (plain SGD when μ = 0).
/// </summary>
public sealed class Sgd(float momentum = 0f, bool nesterov = false, float weightDecay = 0f) : Optimizer
{
    protected override int StateSlots => momentum > 0 ? 1 : 0;

    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, float[][] state, float learningRate)
    {
        for (int i = 0; i < weights.Length; i++)
        {
            float g = gradient[i] + weightDecay * weights[i];
            if (momentum > 0)
            {
                float v = momentum * state[0][i] + g;
                state[0][i] = v;
                g = nesterov ? g + momentum * v : v;
            }

            weights[i] -= learningRate * g;
        }
    }
}
