using System.Collections.Concurrent;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization.Kernels;

/// <summary>
/// AveragePool and GlobalAveragePool with rescaling: acc = Σ (x − zp_x) over the window's in-image taps,
/// y = clamp(zp_y + MultiplyByQuantizedMultiplier(acc·2^L, s_x / (count · s_y · 2^L))) with L bits of headroom
/// (<see cref="Rescale"/>), count being the in-image taps, or with
/// count_include_pad the taps inside the image and its pads. One multiplier per distinct count, prepared on first use.
/// </summary>
public sealed class AveragePoolS8 : Int8Kernel
{
    private readonly Node _node;
    private readonly int _inputOffset;
    private readonly int _outputZeroPoint;
    private readonly double _scaleRatio;
    private readonly bool _countPads;
    private readonly ConcurrentDictionary<int, Rescale> _multipliers = new();

    public AveragePoolS8(QuantizedModel model, QuantizedStep step)
    {
        _node = step.Node;
        var input = model.Activations[step.Inputs[0]];
        var output = model.Activations[step.Output];
        _inputOffset = -input.ZeroPoint;
        _outputZeroPoint = output.ZeroPoint;
        _scaleRatio = (double)input.Scale / output.Scale;
        _countPads = _node.GetInt("count_include_pad", 0) != 0;
    }

    public override Tensor Run(IReadOnlyList<Tensor> inputs)
    {
        var geometry = PoolWindow.Geometry(_node, inputs[0].Shape);
        return PoolWindow.Run(inputs[0], geometry, (taps, padded) =>
        {
            int count = _countPads ? padded : taps.Length;
            int acc = 0;
            foreach (sbyte v in taps)
            {
                acc += v + _inputOffset;
            }

            var rescale = _multipliers.GetOrAdd(count, c => Rescale.Create(_scaleRatio / c, 255L * c));
            return Math.Clamp(_outputZeroPoint + rescale.Apply(acc), -128, 127);
        });
    }
}
