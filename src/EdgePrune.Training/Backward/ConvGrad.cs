using System.Buffers;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Training.Autograd;
using EdgePrune.Training.Kernels;

namespace EdgePrune.Training.Backward;

/// <summary>
/// Conv (1-D and 2-D, groups including depthwise, strides, dilations, pads, auto_pad) by im2col + matrix multiply,
/// per group g: Y_g = W_g · cols(X_g) + B. Backward: ∂W_g += ∂Y_g · cols(X_g)ᵀ, ∂X_g += fold(W_gᵀ · ∂Y_g),
/// ∂B = Σ ∂Y over batch and positions. Images are spread over the cores; each worker keeps its own ∂W partial
/// sum, added up at the end in a fixed order.
/// </summary>
internal sealed class ConvGrad : OpRule
{
    public override bool IsDifferentiable(int index) => index is 0 or 1 or 2;

    public override void Forward(NodeRun run)
    {
        var x = run.FloatInput(0);
        var w = run.FloatInput(1);
        var b = run.OptionalInput(2);
        var layout = Layout.Of(run, x.Shape, w.Shape);
        run.State = layout;
        var s = layout.Shape;
        var y = run.Outputs[0];
        y.Resize([s.Batch, layout.OutputChannels, .. s.OutputSpatial]);
        float[] xs = x.Data, ws = w.Data, ys = y.Data;
        float[]? bias = b?.Data;
        ForEachChunk(s.Batch, (_, first, last) =>
        {
            float[] columns = ArrayPool<float>.Shared.Rent(layout.ColumnRows * s.OutputPlane);
            for (int n = first; n < last; n++)
            {
                for (int g = 0; g < layout.Groups; g++)
                {
                    Im2Col.Unfold(s, xs, (n * s.Channels + g * layout.GroupChannels) * s.InputPlane, layout.GroupChannels, columns);
                    int yOffset = (n * layout.OutputChannels + g * layout.GroupOutputs) * s.OutputPlane;
                    Sgemm.Multiply(false, false, layout.GroupOutputs, s.OutputPlane, layout.ColumnRows,
                        ws, g * layout.GroupOutputs * layout.ColumnRows, columns, 0, ys, yOffset, accumulate: false, parallel: false);
                }

                if (bias is not null)
                {
                    for (int m = 0; m < layout.OutputChannels; m++)
                    {
                        var plane = ys.AsSpan((n * layout.OutputChannels + m) * s.OutputPlane, s.OutputPlane);
                        TensorPrimitives.Add(plane, bias[m], plane);
                    }
                }
            }

            ArrayPool<float>.Shared.Return(columns);
        });
    }

    public override void Backward(NodeRun run)
    {
        var layout = (Layout)run.State!;
        var s = layout.Shape;
        float[] xs = run.Inputs[0]!.Data, ws = run.Inputs[1]!.Data, gys = run.OutputGradients[0].Data;
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
        int chunks = ChunkCount(s.Batch);
        var partials = new float[]?[chunks];
        ForEachChunk(s.Batch, (chunk, first, last) =>
        {
            float[] columns = ArrayPool<float>.Shared.Rent(layout.ColumnRows * s.OutputPlane);
            float[]? partial = null;
            if (gw is not null)
            {
                partial = ArrayPool<float>.Shared.Rent(weightCount);
                partial.AsSpan(0, weightCount).Clear();
                partials[chunk] = partial;
            }

            for (int n = first; n < last; n++)
            {
                for (int g = 0; g < layout.Groups; g++)
                {
                    int xOffset = (n * s.Channels + g * layout.GroupChannels) * s.InputPlane;
                    int yOffset = (n * layout.OutputChannels + g * layout.GroupOutputs) * s.OutputPlane;
                    int wOffset = g * layout.GroupOutputs * layout.ColumnRows;
                    if (partial is not null)
                    {
                        Im2Col.Unfold(s, xs, xOffset, layout.GroupChannels, columns);
                        Sgemm.Multiply(false, true, layout.GroupOutputs, layout.ColumnRows, s.OutputPlane,
                            gys, yOffset, columns, 0, partial, wOffset, accumulate: true, parallel: false);
                    }

                    if (gx is not null)
                    {
                        Sgemm.Multiply(true, false, layout.ColumnRows, s.OutputPlane, layout.GroupOutputs,
                            ws, wOffset, gys, yOffset, columns, 0, accumulate: false, parallel: false);
                        Im2Col.Fold(s, columns, layout.GroupChannels, gx.Data, xOffset);
                    }
                }
            }

            ArrayPool<float>.Shared.Return(columns);
        });

        // Partial sums are added in chunk order, not completion order, so a seeded run repeats bit for bit.
        foreach (var partial in partials)
        {
            if (partial is not null)
            {
                TensorPrimitives.Add(gw!.Span, partial.AsSpan(0, weightCount), gw.Span);
                ArrayPool<float>.Shared.Return(partial);
            }
        }
    }

    // A fixed number of chunks (not the core count) keeps the ∂W summation order, and so a seeded run's result,
    // the same on every machine; 8 chunks keep up to 8 cores busy.
    private const int MaxChunks = 8;

    private static int ChunkCount(int batch) => Math.Max(1, Math.Min(batch, MaxChunks));

    /// <summary>Splits the batch into contiguous ranges and runs them in parallel: body(chunk, first, end).</summary>
    private static void ForEachChunk(int batch, Action<int, int, int> body)
    {
        int chunks = ChunkCount(batch);
        if (chunks == 1)
        {
            body(0, 0, batch);
            return;
        }

        Parallel.For(0, chunks, c => body(c, c * batch / chunks, (c + 1) * batch / chunks));
    }

    private sealed record Layout(ConvShape Shape, int Groups, int GroupChannels, int GroupOutputs, int OutputChannels, int ColumnRows)
    {
        public static Layout Of(NodeRun run, int[] xShape, int[] wShape)
        {
            var node = run.Node;
            if (run.State is Layout previous && previous.XShape.AsSpan().SequenceEqual(xShape) && previous.WShape.AsSpan().SequenceEqual(wShape))
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
            };
        }

        public int[] XShape { get; init; } = [];

        public int[] WShape { get; init; } = [];
    }
}
