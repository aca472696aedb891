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
        for (int p = 0; p < parameters.Count; p++)
        {
            var parameter = parameters[p];
            parameter.ApplyMask();
            Update(parameter.Values, parameter.Gradient, StateOf(parameter), learningRate);
            parameter.ApplyMask();
        }
    }

    // No lambda here: one capturing the parameter would allocate its closure on every call, not only the first.
    private float[][] StateOf(Parameter parameter)
    {
        if (!_state.TryGetValue(parameter.Name, out var slots))
        {
            slots = new float[StateSlots][];
            for (int i = 0; i < slots.Length; i++)
            {
                slots[i] = new float[parameter.Count];
            }

            _state[parameter.Name] = slots;
        }

        return slots;
    }

    /// <summary>How many arrays of the parameter's size the optimizer keeps per parameter.</summary>
    protected abstract int StateSlots { get; }

    protected abstract void Update(Span<float> weights, ReadOnlySpan<float> gradient, float[][] state, float learningRate);
}
