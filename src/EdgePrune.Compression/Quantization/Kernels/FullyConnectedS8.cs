using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization.Kernels;

/// <summary>
/// Gemm / MatMul with constant weights: for each row r and output channel c,
/// acc = bias[c] + Σ_k (x[r,k] − zp_x)·w[k,c], y = clamp(zp_y + MultiplyByQuantizedMultiplier(acc, M[c]), low, high).
/// MatMul keeps the input's leading axes; weights are [K, N] (axis 1) or, for Gemm transB=1, [N, K] (axis 0).
/// </summary>
public sealed class FullyConnectedS8 : Int8Kernel
{
    private readonly QuantizedStep _step;
    private readonly QuantizedMultiplier[] _multipliers;
    private readonly int _inputOffset;
    private readonly int _outputZeroPoint;
    private readonly (int Low, int High) _bounds;

    public FullyConnectedS8(QuantizedModel model, QuantizedStep step)
    {
        _step = step;
        var input = model.Activations[step.Inputs[0]];
        var output = model.Activations[step.Output];
        var w = step.Weights!;
        _multipliers = Enumerable.Range(0, w.Channels)
            .Select(c => FixedPoint.Quantize((double)Quantizer.BiasScale(input, w.Quantization, c) / output.Scale)).ToArray();
        _inputOffset = -input.ZeroPoint;
        _outputZeroPoint = output.ZeroPoint;
        _bounds = OutputBounds(step, output);
    }

    public override Tensor Run(IReadOnlyList<Tensor> inputs)
    {
        var x = inputs[0];
        var w = _step.Weights!;
        bool transposed = w.Quantization.Axis == 0;
        int outputs = w.Channels;
        int depth = transposed ? w.Shape[1] : w.Shape[0];
        int rows = x.ElementCount / depth;
        var xs = Data(x);
        var ws = w.Values;
        var y = new sbyte[rows * outputs];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < outputs; c++)
            {
                int acc = _step.Bias?[c] ?? 0;
                for (int k = 0; k < depth; k++)
                {
                    int weight = transposed ? ws[c * depth + k] : ws[k * outputs + c];
                    acc += (xs[r * depth + k] + _inputOffset) * weight;
                }

                int q = _outputZeroPoint + _multipliers[c].Apply(acc);
                y[r * outputs + c] = (sbyte)Math.Clamp(q, _bounds.Low, _bounds.High);
            }
        }

        int[] shape = _step.Node.OpType == "Gemm" ? [rows, outputs] : [.. x.Shape[..^1], outputs];
        return Tensor.FromArray(y, shape);
    }
}
