using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization.Kernels;

/// <summary>A Relu or Clip that no layer absorbed: y = clamp(x, q(min), q(max)) with the input's parameters (quantization is monotonic).</summary>
public sealed class ClampS8 : Int8Kernel
{
    private readonly (int Low, int High) _bounds;

    public ClampS8(QuantizedModel model, QuantizedStep step) => _bounds = OutputBounds(step, model.Activations[step.Output]);

    public override Tensor Run(IReadOnlyList<Tensor> inputs)
    {
        var xs = inputs[0].Span<sbyte>();
        var y = new sbyte[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            y[i] = (sbyte)Math.Clamp((int)xs[i], _bounds.Low, _bounds.High);
        }

        return Tensor.FromArray(y, inputs[0].Shape.ToArray());
    }
}
