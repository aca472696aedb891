using EdgePrune.Training.Autograd;

namespace EdgePrune.Training.Optimization;

/// <summary>
/// Updates parameters from their gradients. Masked weights are respected on both sides of the update: their
/// gradient is zeroed first (so no momentum or Adam moment builds up for them) and they are set back to exactly
/// zero afterwards (so weight decay or rounding cannot move them). Per-parameter state lives in the optimizer.
/// </summary>
public abstract class Optimizer
{
    private readonly Dictionary<string, float[][]> _state = new(StringComparer.Ordinal);

    /// <summary>Number of <see cref="Step"/> calls so far.</summary>
    public int Steps { get; private set; }

    public void Step(IReadOnlyList<Parameter> parameters, float learningRate)
    {
        Steps++;
        foreach (var parameter in parameters)
        {
            parameter.ApplyMask();
            if (!_state.TryGetValue(parameter.Name, out var slots))
            {
                slots = Enumerable.Range(0, StateSlots).Select(_ => new float[parameter.Count]).ToArray();
                _state[parameter.Name] = slots;
            }

            Update(parameter.Values, parameter.Gradient, slots, learningRate);
            parameter.ApplyMask();
        }
    }

    /// <summary>How many arrays of the parameter's size the optimizer keeps per parameter.</summary>
    protected abstract int StateSlots { get; }

    protected abstract void Update(Span<float> weights, ReadOnlySpan<float> gradient, float[][] state, float learningRate);
}
