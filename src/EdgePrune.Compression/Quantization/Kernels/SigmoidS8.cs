using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization.Kernels;

/// <summary>
/// Sigmoid by a 256-entry table prepared once: T[x + 128] = quantize(σ(s_x·(x − zp_x))) at the output's scale
/// 1/256 and zero point −128, computed in float as DequantizeLinear → Sigmoid → QuantizeLinear would; at run time y = T[x + 128].
/// </summary>
public sealed class SigmoidS8 : Int8Kernel
{
    private readonly sbyte[] _table = new sbyte[256];

    public SigmoidS8(QuantizedModel model, QuantizedStep step)
    {
        var input = model.Activations[step.Inputs[0]];
        var output = model.Activations[step.Output];
        for (int q = -128; q <= 127; q++)
        {
            float x = input.Dequantize(q);
            _table[q + 128] = (sbyte)output.Quantize(1f / (1f + MathF.Exp(-x)));
        }
    }

    public override Tensor Run(IReadOnlyList<Tensor> inputs)
    {
        var xs = inputs[0].Span<sbyte>();
        var y = new sbyte[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            y[i] = _table[xs[i] + 128];
        }

        return Tensor.FromArray(y, inputs[0].Shape.ToArray());
    }
}
