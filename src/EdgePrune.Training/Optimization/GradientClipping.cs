using System.Numerics.Tensors;
using EdgePrune.Training.Autograd;

namespace EdgePrune.Training.Optimization;

/// <summary>Gradient clipping by global norm: if ‖g‖₂ over all parameters exceeds the limit, every gradient is scaled by limit/‖g‖₂.</summary>
public static class GradientClipping
{
    /// <summary>Clips in place and returns the norm before clipping.</summary>
    public static float ClipByGlobalNorm(IReadOnlyList<Parameter> parameters, float maxNorm)
    {
        // Indexed loops: foreach over an IReadOnlyList boxes its enumerator, and a training step allocates nothing.
        double squares = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            float norm = TensorPrimitives.Norm(parameters[i].Gradient);
            squares += (double)norm * norm;
        }

        float total = (float)Math.Sqrt(squares);
        if (total > maxNorm && total > 0)
        {
            float scale = maxNorm / total;
            for (int i = 0; i < parameters.Count; i++)
            {
                TensorPrimitives.Multiply(parameters[i].Gradient, scale, parameters[i].Gradient);
            }
        }

        return total;
    }
}
