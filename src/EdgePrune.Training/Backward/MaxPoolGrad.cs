using EdgePrune.Core;
using EdgePrune.Training.Autograd;
using EdgePrune.Training.Kernels;

namespace EdgePrune.Training.Backward;

/// <summary>
/// MaxPool (1-D and 2-D): the forward pass remembers which input element won each window; the backward pass
/// routes each output gradient to that element only (the first maximum on ties, as ONNX Runtime reports it).
/// </summary>
internal sealed class MaxPoolGrad : OpRule
{
    public override bool IsDifferentiable(int index) => index == 0;

    public override void Forward(NodeRun run)
    {
        if (run.Node.Outputs.Length > 1 && run.Node.Outputs[1].Length > 0)
        {
            throw new EdgePruneException($"{run.Node.Describe()}: the Indices output is not supported in training");
        }

        if (run.Node.GetInt("storage_order", 0) != 0)
        {
            throw new EdgePruneException($"{run.Node.Describe()}: storage_order 1 is not supported in training");
        }

        var x = run.FloatInput(0);
        var work = run.StateAs<WinnerWork>();
        work.Window.Resolve(run.Node, x.Shape);
        var y = run.Outputs[0];
        y.Resize(work.Window.OutputShape);
        if (work.Winners.Length < y.Count)
        {
            work.Winners = new int[y.Count];
        }

        work.Start(x.Data, y.Data);
    }

    public override void Backward(NodeRun run)
    {
        if (run.Gradient(0) is not { } gx)
        {
            return;
        }

        var winners = ((WinnerWork)run.State!).Winners;
        var gy = run.OutputGradients[0].Span;
        var g = gx.Span;
        for (int o = 0; o < gy.Length; o++)
        {
            if (winners[o] >= 0)
            {
                g[winners[o]] += gy[o];
            }
        }
    }

    /// <summary>One node's max pooling, one (image, channel) plane per work item; remembers each window's winner.</summary>
    private sealed class WinnerWork : IParallelWork
    {
        private float[] _x = [], _y = [];

        public WindowCache Window { get; } = new();

        /// <summary>Input index of each output's maximum, −1 for a window entirely in the padding.</summary>
        public int[] Winners { get; set; } = [];

        public void Start(float[] x, float[] y)
        {
            (_x, _y) = (x, y);
            var s = Window.Shape!;
            WorkerPool.Run(this, s.Batch * s.Channels);
        }

        public void Execute(int plane)
        {
            var s = Window.Shape!;
            float[] xs = _x, ys = _y;
            int[] winners = Winners;
            int inBase = plane * s.InputPlane;
            int o = plane * s.OutputPlane;
            for (int oy = 0; oy < s.OutputHeight; oy++)
            {
                for (int ox = 0; ox < s.OutputWidth; ox++, o++)
                {
                    float best = float.NegativeInfinity;
                    int bestAt = -1;
                    for (int i = 0; i < s.KernelHeight; i++)
                    {
                        int iy = oy * s.StrideHeight + i * s.DilationHeight - s.PadTop;
                        if (iy < 0 || iy >= s.InputHeight)
                        {
                            continue;
                        }

                        for (int j = 0; j < s.KernelWidth; j++)
                        {
                            int ix = ox * s.StrideWidth + j * s.DilationWidth - s.PadLeft;
                            if (ix < 0 || ix >= s.InputWidth)
                            {
                                continue;
                            }

                            int at = inBase + iy * s.InputWidth + ix;
                            if (bestAt < 0 || xs[at] > best)
                            {
                                best = xs[at];
                                bestAt = at;
                            }
                        }
                    }

                    ys[o] = best;
                    winners[o] = bestAt;
                }
            }
        }
    }
}
