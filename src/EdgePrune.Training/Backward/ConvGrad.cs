using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Training.Autograd;
using EdgePrune.Training.Kernels;

namespace EdgePrune.Training.Backward;

/// <summary>
/// Conv (1-D and 2-D, groups including depthwise, strides, dilations, pads, auto_pad) by im2col + matrix multiply,
/// per group g: Y_g = W_g · cols(X_g) + B. Backward: ∂W_g += ∂Y_g · cols(X_g)ᵀ, ∂X_g += fold(W_gᵀ · ∂Y_g),
/// ∂B = Σ ∂Y over batch and positions. Images are spread over the cores in chunks; each chunk keeps its own ∂W
/// partial sum, added up at the end in a fixed order.
/// </summary>
internal sealed class ConvGrad : OpRule
{
    public override bool IsDifferentiable(int index) => index is 0 or 1 or 2;

    // A fixed number of chunks (not the core count) keeps the ∂W summation order, and so a seeded run's result,
    // the same on every machine; 8 chunks keep up to 8 cores busy.
    private const int MaxChunks = 8;

    public override void Forward(NodeRun run)
    {
        var x = run.FloatInput(0);
        var w = run.FloatInput(1);
        var work = run.StateAs<ChunkWork>();
        work.Layout = Layout.Of(run.Node, work.Layout, x.Shape, w.Shape);
        var layout = work.Layout;
        var s = layout.Shape;
        var y = run.Outputs[0];
        y.Resize(layout.OutputShape);
        work.Start(run.Scratch, backward: false, s.Batch, x.Data, w.Data, run.OptionalInput(2)?.Data, y.Data, gx: null, gw: null, weightCount: 0);
    }

    public override void Backward(NodeRun run)
    {
        var work = (ChunkWork)run.State!;
        var layout = work.Layout!;
        var s = layout.Shape;
        float[] gys = run.OutputGradients[0].Data;
        var gx = run.Gradient(0);
        var gw = run.Gradient(1);
        if (run.Gradient(2) is { } gb)
        {
            var g = gb.Span;
            for (int n = 0; n < s.Batch; n++)
            {
                for (int m = 0; m < layout.OutputChannels; m++)
                {
                    g[m] += TensorPrimitives.Sum(gys.AsSpan((n * layout.OutputChannels + m) * s.OutputPlane, s.OutputPlane));
                }
            }
        }

        if (gx is null && gw is null)
        {
            return;
        }

        int weightCount = run.Inputs[1]!.Count;
        work.Start(run.Scratch, backward: true, s.Batch, run.Inputs[0]!.Data, run.Inputs[1]!.Data, bias: null, gys, gx?.Data, gw?.Data, weightCount);
        if (gw is null)
        {
            return;
        }

        // Partial sums are added in chunk order, not completion order, so a seeded run repeats bit for bit.
        for (int chunk = 0; chunk < work.Chunks; chunk++)
        {
            TensorPrimitives.Add(gw.Span, work.Partials[chunk].AsSpan(0, weightCount), gw.Span);
        }
    }

    /// <summary>
    /// One node's convolution split over contiguous ranges of images, run by <see cref="WorkerPool"/>; each chunk
    /// has its own im2col buffer and ∂W partial sum from the engine's <see cref="Scratch"/>.
    /// </summary>
    private sealed class ChunkWork : IParallelWork
    {
        private readonly float[][] _columns = new float[MaxChunks][];
        private bool _backward;
        private int _batch;
        private float[] _x = [], _w = [], _y = [];
        private float[]? _bias, _gx, _gw;
        private int _weightCount;

        public Layout? Layout { get; set; }

        public int Chunks { get; private set; }

        public float[][] Partials { get; } = new float[MaxChunks][];

        /// <summary>
        /// Runs the forward pass (<paramref name="y"/> = conv(x, w) + bias) or the backward pass (<paramref name="y"/>
        /// holds ∂Y; adds into <paramref name="gx"/> and leaves ∂W per chunk in <see cref="Partials"/>) over all chunks.
        /// </summary>
        public void Start(Scratch scratch, bool backward, int batch, float[] x, float[] w, float[]? bias, float[] y, float[]? gx, float[]? gw, int weightCount)
        {
            var layout = Layout!;
            Chunks = Math.Max(1, Math.Min(batch, MaxChunks));
            for (int chunk = 0; chunk < Chunks; chunk++)
            {
                _columns[chunk] = scratch.Get(chunk, layout.ColumnRows * layout.Shape.OutputPlane);
                Partials[chunk] = gw is null ? [] : scratch.Get(MaxChunks + chunk, weightCount);
            }

            (_backward, _batch, _x, _w, _bias, _y, _gx, _gw, _weightCount) = (backward, batch, x, w, bias, y, gx, gw, weightCount);
            WorkerPool.Run(this, Chunks);
        }

        public void Execute(int chunk)
        {
            int first = chunk * _batch / Chunks, last = (chunk + 1) * _batch / Chunks;
            if (_backward)
            {
                BackwardChunk(chunk, first, last);
            }
            else
            {
                ForwardChunk(chunk, first, last);
            }
        }

        private void ForwardChunk(int chunk, int first, int last)
        {
            var layout = Layout!;
            var s = layout.Shape;
            float[] columns = _columns[chunk];
            for (int n = first; n < last; n++)
            {
                for (int g = 0; g < layout.Groups; g++)
                {
                    Im2Col.Unfold(s, _x, (n * s.Channels + g * layout.GroupChannels) * s.InputPlane, layout.GroupChannels, columns);
                    int yOffset = (n * layout.OutputChannels + g * layout.GroupOutputs) * s.OutputPlane;
                    Sgemm.Multiply(false, false, layout.GroupOutputs, s.OutputPlane, layout.ColumnRows,
                        _w, g * layout.GroupOutputs * layout.ColumnRows, columns, 0, _y, yOffset, accumulate: false, parallel: false);
                }

                if (_bias is not null)
                {
                    for (int m = 0; m < layout.OutputChannels; m++)
                    {
                        var plane = _y.AsSpan((n * layout.OutputChannels + m) * s.OutputPlane, s.OutputPlane);
                        TensorPrimitives.Add(plane, _bias[m], plane);
                    }
                }
            }
        }

        private void BackwardChunk(int chunk, int first, int last)
        {
            var layout = Layout!;
            var s = layout.Shape;
            float[] columns = _columns[chunk];
            float[]? partial = _gw is null ? null : Partials[chunk];
            partial?.AsSpan(0, _weightCount).Clear();
            for (int n = first; n < last; n++)
            {
                for (int g = 0; g < layout.Groups; g++)
                {
                    int xOffset = (n * s.Channels + g * layout.GroupChannels) * s.InputPlane;
                    int yOffset = (n * layout.OutputChannels + g * layout.GroupOutputs) * s.OutputPlane;
                    int wOffset = g * layout.GroupOutputs * layout.ColumnRows;
                    if (partial is not null)
                    {
                        Im2Col.Unfold(s, _x, xOffset, layout.GroupChannels, columns);
                        Sgemm.Multiply(false, true, layout.GroupOutputs, layout.ColumnRows, s.OutputPlane,
                            _y, yOffset, columns, 0, partial, wOffset, accumulate: true, parallel: false);
                    }

                    if (_gx is not null)
                    {
                        Sgemm.Multiply(true, false, layout.ColumnRows, s.OutputPlane, layout.GroupOutputs,
                            _w, wOffset, _y, yOffset, columns, 0, accumulate: false, parallel: false);
                        Im2Col.Fold(s, columns, layout.GroupChannels, _gx, xOffset);
                    }
                }
            }
        }
    }

    private sealed record Layout(ConvShape Shape, int Groups, int GroupChannels, int GroupOutputs, int OutputChannels, int ColumnRows)
    {
        /// <summary>The layout for these shapes: <paramref name="previous"/> when the shapes are the same (the usual step).</summary>
        public static Layout Of(Node node, Layout? previous, int[] xShape, int[] wShape)
        {
            if (previous is not null && previous.XShape.AsSpan().SequenceEqual(xShape) && previous.WShape.AsSpan().SequenceEqual(wShape))
            {
                return previous;
            }

            if (wShape.Length != xShape.Length)
            {
                throw new EdgePruneException($"{node.Describe()}: weights {Tensor.FormatShape(wShape)} and input {Tensor.FormatShape(xShape)} differ in rank");
            }

            int groups = checked((int)node.GetInt("group", 1));
            int channels = xShape[1];
            int outputs = wShape[0];
            if (groups < 1 || channels % groups != 0 || outputs % groups != 0 || wShape[1] * groups != channels)
            {
                throw new EdgePruneException($"{node.Describe()}: group {groups} does not fit {channels} input channels, weights {Tensor.FormatShape(wShape)}");
            }

            var shape = ConvShape.Resolve(node, xShape, wShape[2..]);
            return new Layout(shape, groups, channels / groups, outputs / groups, outputs, wShape[1] * shape.KernelArea)
            {
                XShape = xShape,
                WShape = wShape,
                OutputShape = [xShape[0], outputs, .. shape.OutputSpatial],
            };
        }

        public int[] OutputShape { get; init; } = [];

        public int[] XShape { get; init; } = [];

        public int[] WShape { get; init; } = [];
    }
}
