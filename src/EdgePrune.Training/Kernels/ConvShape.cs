using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Training.Kernels;

/// <summary>
/// A 1-D or 2-D sliding window (Conv, pooling) resolved for concrete input sizes, with the 1-D case written as
/// 2-D of height 1, so every kernel below has one shape to handle.
/// </summary>
internal sealed record ConvShape(
    int Batch, int Channels, int InputHeight, int InputWidth,
    int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth,
    int DilationHeight, int DilationWidth, int PadTop, int PadLeft, int PadBottom, int PadRight,
    int OutputHeight, int OutputWidth, int[] OutputSpatial)
{
    public int InputPlane => InputHeight * InputWidth;

    public int OutputPlane => OutputHeight * OutputWidth;

    public int KernelArea => KernelHeight * KernelWidth;

    /// <summary>Resolves <paramref name="node"/>'s window over input <paramref name="inputShape"/> [N, C, (H,) W].</summary>
    public static ConvShape Resolve(Node node, ReadOnlySpan<int> inputShape, int[]? kernel)
    {
        int spatial = inputShape.Length - 2;
        if (spatial is not (1 or 2))
        {
            throw new EdgePruneException($"{node.Describe()}: input {Tensor.FormatShape(inputShape)} has {Math.Max(spatial, 0)} spatial axes; training supports 1-D and 2-D windows");
        }

        var geometry = ConvGeometry.Read(node, spatial, kernel);
        var (begin, end, output) = geometry.Resolve(inputShape[2..]);
        bool twoD = spatial == 2;
        return new ConvShape(
            inputShape[0], inputShape[1], twoD ? inputShape[2] : 1, inputShape[^1],
            twoD ? geometry.Kernel[0] : 1, geometry.Kernel[^1],
            twoD ? geometry.Strides[0] : 1, geometry.Strides[^1],
            twoD ? geometry.Dilations[0] : 1, geometry.Dilations[^1],
            twoD ? begin[0] : 0, begin[^1], twoD ? end[0] : 0, end[^1],
            twoD ? output[0] : 1, output[^1], output);
    }
}

/// <summary>A pooling node's window, resolved again only when its input shape changes, so a steady-state step allocates nothing.</summary>
internal sealed class WindowCache
{
    private int[] _inputShape = [];

    public ConvShape? Shape { get; private set; }

    /// <summary>[N, C, output spatial…].</summary>
    public int[] OutputShape { get; private set; } = [];

    public ConvShape Resolve(Node node, ReadOnlySpan<int> inputShape)
    {
        if (Shape is null || !inputShape.SequenceEqual(_inputShape))
        {
            Shape = ConvShape.Resolve(node, inputShape, null);
            _inputShape = inputShape.ToArray();
            OutputShape = [Shape.Batch, Shape.Channels, .. Shape.OutputSpatial];
        }

        return Shape;
    }
}
