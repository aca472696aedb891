using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Compression.Quantization.Kernels;

/// <summary>
/// Add with rescaling, as TFLite's int8 Add (tensorflow/lite/kernels/add.cc): both operands are shifted left by 20
/// bits and scaled to the common scale 2·max(s_a, s_b), summed, then requantized to the output:
/// a' = MBQM((a − zp_a)·2^20, s_a / (2·max)), b' likewise, y = clamp(zp_y + MBQM(a' + b', 2·max / (2^20·s_y)), low, high).
/// NumPy broadcasting between the operands.
/// </summary>
public sealed class AddS8 : Int8Kernel
{
    private const int LeftShift = 20;
    private readonly int _offsetA, _offsetB, _outputZeroPoint;
    private readonly QuantizedMultiplier _multiplierA, _multiplierB, _outputMultiplier;
    private readonly (int Low, int High) _bounds;

    public AddS8(QuantizedModel model, QuantizedStep step)
    {
        var a = model.Activations[step.Inputs[0]];
        var b = model.Activations[step.Inputs[^1]];
        var output = model.Activations[step.Output];
        double twiceMax = 2.0 * Math.Max(a.Scale, b.Scale);
        _multiplierA = FixedPoint.Quantize(a.Scale / twiceMax);
        _multiplierB = FixedPoint.Quantize(b.Scale / twiceMax);
        _outputMultiplier = FixedPoint.Quantize(twiceMax / ((1 << LeftShift) * (double)output.Scale));
        _offsetA = -a.ZeroPoint;
        _offsetB = -b.ZeroPoint;
        _outputZeroPoint = output.ZeroPoint;
        _bounds = OutputBounds(step, output);
    }

    public override Tensor Run(IReadOnlyList<Tensor> inputs)
    {
        var a = inputs[0];
        var b = inputs[^1];
        var shape = Broadcast.Shape(a.Shape.ToArray(), b.Shape.ToArray());
        var xa = Data(a);
        var xb = Data(b);
        var y = new sbyte[Tensor.ElementCountOf(shape)];
        Broadcast.ForEach(a.Shape, b.Shape, shape, (o, ia, ib) =>
        {
            int sa = _multiplierA.Apply((xa[ia] + _offsetA) * (1 << LeftShift));
            int sb = _multiplierB.Apply((xb[ib] + _offsetB) * (1 << LeftShift));
            int q = _outputZeroPoint + _outputMultiplier.Apply(sa + sb);
            y[o] = (sbyte)Math.Clamp(q, _bounds.Low, _bounds.High);
        });
        return Tensor.FromArray(y, shape);
    }
}
