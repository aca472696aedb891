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
        var s = ConvShape.Resolve(run.Node, x.Shape, null);
        run.State = s;
        var y = run.Outputs[0];
        y.Resize([s.Batch, s.Channels, .. s.OutputSpatial]);
        bool includePad = run.Node.GetInt("count_include_pad", 0) != 0;
        float[] xs = x.Data, ys = y.Data;
        Parallel.For(0, s.Batch * s.Channels, plane => Walk(s, includePad, plane, (at, o, count) => ys[o] += xs[at] / count, ys));
    }

    public override void Backward(NodeRun run)
    {
        if (run.Gradient(0) is not { } gx)
        {
            return;
        }

        var s = (ConvShape)run.State!;
        bool includePad = run.Node.GetInt("count_include_pad", 0) != 0;
        float[] g = gx.Data, gy = run.OutputGradients[0].Data;
        Parallel.For(0, s.Batch * s.Channels, plane => Walk(s, includePad, plane, (at, o, count) => g[at] += gy[o] / count, null));
    }

    /// <summary>Calls <paramref name="tap"/>(input index, output index, divisor) for every tap of every window of one plane.</summary>
    private static void Walk(ConvShape s, bool includePad, int plane, Action<int, int, int> tap, float[]? clearOutput)
    {
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

                int count = includePad ? padded : inside;
                if (clearOutput is not null)
                {
                    clearOutput[o] = 0;
                }

                for (int i = 0; i < s.KernelHeight; i++)
                {
                    int iy = oy * s.StrideHeight + i * s.DilationHeight - s.PadTop;
                    for (int j = 0; j < s.KernelWidth; j++)
                    {
                        int ix = ox * s.StrideWidth + j * s.DilationWidth - s.PadLeft;
                        if (iy >= 0 && iy < s.InputHeight && ix >= 0 && ix < s.InputWidth)
                        {
                            tap(inBase + iy * s.InputWidth + ix, o, count);
                        }
                    }
                }
            }
        }
    }
}
