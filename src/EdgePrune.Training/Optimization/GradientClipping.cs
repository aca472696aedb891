using System.Numerics.Tensors;
using EdgePrune.Training.Autograd;

namespace EdgePrune.Training.Optimization;

/// <summary>Gradient clipping by global norm: if ‖g‖₂ over all parameters exceeds the limit, every gradient is scaled by limit/‖g‖₂.</summary>
public static class GradientClipping
{
    /// <summary>Clips in place and returns the norm before clipping.</summary>
    public static float ClipByGlobalNorm(IReadOnlyList<Parameter> parameters, float maxNorm)
    {
        double squares = 0;
        foreach (var p in parameters)
        {
            float norm = TensorPrimitives.Norm(p.Gradient);
            squares += (double)norm * norm;
        }

        float total = (float)Math.Sqrt(squares);
        if (total > maxNorm && total > 0)
        {
            float scale = maxNorm / total;
            foreach (var p in parameters)
            {
                TensorPrimitives.Multiply(p.Gradient, scale, p.Gradient);
            }
        }

        return total;
    }
}
