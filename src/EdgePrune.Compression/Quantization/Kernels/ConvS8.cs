using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Compression.Quantization.Kernels;

/// <summary>
/// Conv (1-D or 2-D, any groups, so depthwise too): acc[c] = bias[c] + Σ (x − zp_x)·w[c], then
/// y = clamp(zp_y + MultiplyByQuantizedMultiplier(acc, M[c]), low, high) with M[c] = s_x·s_w[c]/s_y.
/// Padded taps contribute 0 (they hold the real value 0, which is zp_x).
/// </summary>
public sealed class ConvS8 : Int8Kernel
{
    private readonly QuantizedStep _step;
    private readonly QuantizedMultiplier[] _multipliers;
    private readonly int _inputOffset;
    private readonly int _outputZeroPoint;
    private readonly (int Low, int High) _bounds;
    private readonly ConvGeometry _geometry;
    private readonly int _groups;

    public ConvS8(QuantizedModel model, QuantizedStep step)
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
        int spatial = w.Shape.Length - 2;
        if (spatial is not (1 or 2))
        {
            throw new EdgePruneException($"{step.Node.Describe()}: {spatial}-D convolution has no int8 kernel; EdgePrune quantizes 1-D and 2-D Conv");
        }

        _geometry = ConvGeometry.Read(step.Node, spatial, w.Shape[2..]);
        _groups = (int)step.Node.GetInt("group", 1);
    }

    public override Tensor Run(IReadOnlyList<Tensor> inputs)
    {
        var x = inputs[0];
        var w = _step.Weights!;
        bool oneD = _geometry.SpatialRank == 1;
        int batch = x.Shape[0], channelsIn = x.Shape[1];
        int inH = oneD ? 1 : x.Shape[2], inW = x.Shape[^1];
        var (padsBegin, _, outSize) = _geometry.Resolve(x.Shape[2..]);
        int outH = oneD ? 1 : outSize[0], outW = outSize[^1];
        int kH = oneD ? 1 : w.Shape[2], kW = w.Shape[^1];
        int strideH = oneD ? 1 : _geometry.Strides[0], strideW = _geometry.Strides[^1];
        int dilationH = oneD ? 1 : _geometry.Dilations[0], dilationW = _geometry.Dilations[^1];
        int padTop = oneD ? 0 : padsBegin[0], padLeft = padsBegin[^1];
        int channelsOut = w.Shape[0];
        int groupIn = channelsIn / _groups, groupOut = channelsOut / _groups;
        var xs = Data(x);
        var ws = w.Values;
        var y = new sbyte[batch * channelsOut * outH * outW];
        Parallel.For(0, batch * channelsOut, plane =>
        {
            int n = plane / channelsOut, oc = plane % channelsOut, g = oc / groupOut;
            int bias = _step.Bias?[oc] ?? 0;
            for (int oy = 0; oy < outH; oy++)
            {
                for (int ox = 0; ox < outW; ox++)
                {
                    int acc = bias;
                    for (int ic = 0; ic < groupIn; ic++)
                    {
                        int inputPlane = ((n * channelsIn) + g * groupIn + ic) * inH * inW;
                        int weightPlane = (oc * groupIn + ic) * kH * kW;
                        for (int ky = 0; ky < kH; ky++)
                        {
                            int iy = oy * strideH + ky * dilationH - padTop;
                            if (iy < 0 || iy >= inH)
                            {
                                continue;
                            }

                            for (int kx = 0; kx < kW; kx++)
                            {
                                int ix = ox * strideW + kx * dilationW - padLeft;
                                if (ix >= 0 && ix < inW)
                                {
                                    acc += (xs[inputPlane + iy * inW + ix] + _inputOffset) * ws[weightPlane + ky * kW + kx];
                                }
                            }
                        }
                    }

                    int q = _outputZeroPoint + _multipliers[oc].Apply(acc);
                    y[(plane * outH + oy) * outW + ox] = (sbyte)Math.Clamp(q, _bounds.Low, _bounds.High);
                }
            }
        });

        return Tensor.FromArray(y, [batch, channelsOut, .. outSize]);
    }
}
