using EdgePrune.Training.Autograd;
using EdgePrune.Training.Kernels;

namespace EdgePrune.Training.Backward;

/// <summary>
/// AveragePool (1-D and 2-D): each output is the mean of its window, over the taps inside the image, or over the
/// taps inside image and explicit pads with count_include_pad; the backward pass spreads ∂Y/count over the same taps.
/// </summary>
internal sealed class AveragePoolGrad : OpRule
{
    public override bool IsDifferentiable(int index) => index == 0;

    public override void Forward(NodeRun run)
    {
        var x = run.FloatInput(0);
        var work = run.StateAs<PlaneWork>();
        work.Window.Resolve(run.Node, x.Shape);
        var y = run.Outputs[0];
        y.Resize(work.Window.OutputShape);
        work.Start(backward: false, run.Node.GetInt("count_include_pad", 0) != 0, x.Data, y.Data);
    }

    public override void Backward(NodeRun run)
    {
        if (run.Gradient(0) is not { } gx)
        {
            return;
        }

        var work = (PlaneWork)run.State!;
        work.Start(backward: true, run.Node.GetInt("count_include_pad", 0) != 0, gx.Data, run.OutputGradients[0].Data);
    }

    /// <summary>One node's pooling, one (image, channel) plane per work item.</summary>
    private sealed class PlaneWork : IParallelWork
    {
        private bool _backward;
        private bool _includePad;
        private float[] _input = [], _output = [];

        public WindowCache Window { get; } = new();

        /// <summary>
        /// Forward: <paramref name="output"/> = mean over each window of <paramref name="input"/>. Backward:
        /// <paramref name="input"/> (∂X) += the window's share of <paramref name="output"/> (∂Y).
        /// </summary>
        public void Start(bool backward, bool includePad, float[] input, float[] output)
        {
            (_backward, _includePad, _input, _output) = (backward, includePad, input, output);
            var s = Window.Shape!;
            WorkerPool.Run(this, s.Batch * s.Channels);
        }

        public void Execute(int plane)
        {
            var s = Window.Shape!;
            int inBase = plane * s.InputPlane;
            int o = plane * s.OutputPlane;
            for (int oy = 0; oy < s.OutputHeight; oy++)
            {
                for (int ox = 0; ox < s.OutputWidth; ox++, o++)
                {
                    int inside = 0, padded = 0;
                    for (int i = 0; i < s.KernelHeight; i++)
                    {
                        int iy = oy * s.StrideHeight + i * s.DilationHeight - s.PadTop;
                        for (int j = 0; j < s.KernelWidth; j++)
                        {
                            int ix = ox * s.StrideWidth + j * s.DilationWidth - s.PadLeft;
                            bool inImage = iy >= 0 && iy < s.InputHeight && ix >= 0 && ix < s.InputWidth;
                            bool inPads = iy < s.InputHeight + s.PadBottom && ix < s.InputWidth + s.PadRight;
                            inside += inImage ? 1 : 0;
                            padded += inPads ? 1 : 0;
                        }
                    }

                    int count = _includePad ? padded : inside;
                    if (!_backward)
                    {
                        _output[o] = 0;
                    }

                    for (int i = 0; i < s.KernelHeight; i++)
                    {
                        int iy = oy * s.StrideHeight + i * s.DilationHeight - s.PadTop;
                        for (int j = 0; j < s.KernelWidth; j++)
                        {
                            int ix = ox * s.StrideWidth + j * s.DilationWidth - s.PadLeft;
                            if (iy >= 0 && iy < s.InputHeight && ix >= 0 && ix < s.InputWidth)
                            {
                                int at = inBase + iy * s.InputWidth + ix;
                                if (_backward)
                                {
                                    _input[at] += _output[o] / count;
                                }
                                else
                                {
                                    _output[o] += _input[at] / count;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
