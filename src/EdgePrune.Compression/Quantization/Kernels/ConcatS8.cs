using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Compression.Quantization.Kernels;

/// <summary>
/// Concat: an input whose parameters equal the output's is copied; any other is requantized,
/// y = clamp(zp_y + MultiplyByQuantizedMultiplier((x − zp_x)·2^L, s_x / (s_y·2^L))), with L bits of headroom (<see cref="Rescale"/>).
/// </summary>
public sealed class ConcatS8 : Int8Kernel
{
    private readonly Node _node;
    private readonly (int Offset, Rescale Rescale, bool Same)[] _inputs;
    private readonly int _outputZeroPoint;

    public ConcatS8(QuantizedModel model, QuantizedStep step)
    {
        _node = step.Node;
        var output = model.Activations[step.Output];
        _outputZeroPoint = output.ZeroPoint;
        _inputs = step.Inputs.Select(i =>
        {
            var q = model.Activations[i];
            bool same = q.Scale == output.Scale && q.ZeroPoint == output.ZeroPoint;
            return (-q.ZeroPoint, Rescale.Create((double)q.Scale / output.Scale, 255), same);
        }).ToArray();
    }

    public override Tensor Run(IReadOnlyList<Tensor> inputs)
    {
        int rank = inputs[0].Rank;
        int axis = Axes.Normalize(_node.GetInt("axis", 0), rank);
        int outer = Axes.Product(inputs[0].Shape, 0, axis);
        var shape = inputs[0].Shape.ToArray();
        shape[axis] = inputs.Sum(t => t.Shape[axis]);
        int outRow = Axes.Product(shape, axis, rank);
        var y = new sbyte[outer * outRow];
        int column = 0;
        for (int k = 0; k < inputs.Count; k++)
        {
            var xs = inputs[k].Span<sbyte>();
            int row = Axes.Product(inputs[k].Shape, axis, rank);
            var (offset, rescale, same) = _inputs[k];
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < row; i++)
                {
                    int v = xs[o * row + i];
                    y[o * outRow + column + i] = same ? (sbyte)v : (sbyte)Math.Clamp(_outputZeroPoint + rescale.Apply(v + offset), -128, 127);
                }
            }

            column += row;
        }

        return Tensor.FromArray(y, shape);
    }
}
