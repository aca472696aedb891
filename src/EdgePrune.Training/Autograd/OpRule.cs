namespace EdgePrune.Training.Autograd;

/// <summary>
/// How one op trains: a forward pass that keeps what the backward pass needs, and the backward pass, which
/// adds ∂loss/∂input into every non-null input gradient from the output gradients (chain rule).
/// </summary>
internal abstract class OpRule
{
    /// <summary>True when a gradient can flow to input <paramref name="index"/> (false for shapes, axes, indices, running statistics).</summary>
    public abstract bool IsDifferentiable(int index);

    public abstract void Forward(NodeRun run);

    public abstract void Backward(NodeRun run);
}
