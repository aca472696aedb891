using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization.Kernels;

/// <summary>MaxPool on the integers: y = max over the window's in-image taps. Quantization is monotonic, so the output keeps the input's parameters.</summary>
public sealed class MaxPoolS8(QuantizedStep step) : Int8Kernel
{
    private readonly Node _node = step.Node;

    public override Tensor Run(IReadOnlyList<Tensor> inputs)
    {
        var geometry = PoolWindow.Geometry(_node, inputs[0].Shape);
        return PoolWindow.Run(inputs[0], geometry, static (taps, _) =>
        {
            int max = sbyte.MinValue;
            foreach (sbyte v in taps)
            {
                max = Math.Max(max, v);
            }

            return max;
        });
    }
}
