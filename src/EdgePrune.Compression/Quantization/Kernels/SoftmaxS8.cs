using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Compression.Quantization.Kernels;

/// <summary>
/// Softmax by table: with d = max(row) − x ∈ [0, 255], e = T[d] = round(exp(−s_x·d) · 2^30) (a table of 256 int64
/// prepared once), S = Σ e over the row, y = clamp(⌊(512·e + S) / (2·S)⌋ − 128, −128, 127): the probability at
/// scale 1/256, zero point −128, rounded half up, with integer arithmetic only at run time.
/// </summary>
public sealed class SoftmaxS8 : Int8Kernel
{
    private const int TableBits = 30;
    private readonly long[] _table = new long[256];
    private readonly Node _node;
    private readonly int _opset;

    public SoftmaxS8(QuantizedModel model, QuantizedStep step)
    {
        _node = step.Node;
        _opset = model.Graph.Opset;
        var input = model.Activations[step.Inputs[0]];
        for (int d = 0; d < _table.Length; d++)
        {
            _table[d] = (long)Math.Round(Math.Exp(-(double)input.Scale * d) * (1L << TableBits), MidpointRounding.AwayFromZero);
        }
    }

    public override Tensor Run(IReadOnlyList<Tensor> inputs)
    {
        var x = inputs[0];
        int axis = Axes.Normalize(_node.GetInt("axis", _opset >= 13 ? -1 : 1), x.Rank);
        if (_opset >= 13 && axis != x.Rank - 1)
        {
            throw new EdgePruneException($"{_node.Describe()}: int8 Softmax runs over the last axis; axis {axis} of a rank-{x.Rank} input is not supported");
        }

        // Before opset 13 the input is coerced to 2-D at 'axis': rows are the flattened tail.
        int row = Axes.Product(x.Shape, axis, x.Rank);
        var xs = x.Span<sbyte>();
        var y = new sbyte[x.ElementCount];
        for (int start = 0; start < xs.Length; start += row)
        {
            var r = xs.Slice(start, row);
            int max = sbyte.MinValue;
            foreach (sbyte v in r)
            {
                max = Math.Max(max, v);
            }

            long sum = 0;
            foreach (sbyte v in r)
            {
                sum += _table[max - v];
            }

            for (int i = 0; i < row; i++)
            {
                long e = _table[max - r[i]];
                long q = (512 * e + sum) / (2 * sum) - 128;
                y[start + i] = (sbyte)Math.Clamp(q, -128, 127);
            }
        }

        return Tensor.FromArray(y, x.Shape.ToArray());
    }
}
