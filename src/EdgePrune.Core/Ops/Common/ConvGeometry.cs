using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops.Common;

/// <summary>ONNX auto_pad values (Operators.md#Conv, #MaxPool, #AveragePool).</summary>
public enum AutoPad
{
    NotSet,
    SameUpper,
    SameLower,
    Valid,
}

/// <summary>
/// The sliding-window attributes Conv, ConvTranspose, MaxPool and AveragePool share (kernel_shape, strides,
/// dilations, pads, auto_pad, ceil_mode), read once from a node, and the arithmetic that turns them into
/// output sizes and concrete pads. The one place for it, so the ops cannot disagree.
/// </summary>
public sealed record ConvGeometry(int[] Kernel, int[] Strides, int[] Dilations, int[] PadsBegin, int[] PadsEnd, AutoPad AutoPad, bool CeilMode)
{
    public int SpatialRank => Kernel.Length;

    /// <summary>The extent a dilated kernel covers along <paramref name="axis"/>.</summary>
    public int DilatedKernel(int axis) => (Kernel[axis] - 1) * Dilations[axis] + 1;

    /// <summary>
    /// Reads the window attributes of <paramref name="node"/> for a <paramref name="spatialRank"/>-D window.
    /// <paramref name="kernel"/> is the kernel taken from the weights when the op has them (kernel_shape is then optional).
    /// </summary>
    public static ConvGeometry Read(Node node, int spatialRank, int[]? kernel)
    {
        var kernelAttr = node.GetInts("kernel_shape");
        int[] k;
        if (kernelAttr is not null)
        {
            k = Positive(node, "kernel_shape", kernelAttr, spatialRank);
            if (kernel is not null && !k.SequenceEqual(kernel))
            {
                throw new EdgePruneException($"{node.Describe()}: kernel_shape {Tensor.FormatShape(k)} differs from the weights' spatial shape {Tensor.FormatShape(kernel)}");
            }
        }
        else
        {
            k = kernel ?? throw new EdgePruneException($"{node.Describe()}: attribute 'kernel_shape' is required");
        }

        var strides = node.GetInts("strides") is { } s ? Positive(node, "strides", s, spatialRank) : Ones(spatialRank);
        var dilations = node.GetInts("dilations") is { } d ? Positive(node, "dilations", d, spatialRank) : Ones(spatialRank);
        var autoPad = ParseAutoPad(node);
        var begin = new int[spatialRank];
        var end = new int[spatialRank];
        if (node.GetInts("pads") is { } pads)
        {
            if (autoPad != AutoPad.NotSet)
            {
                throw new EdgePruneException($"{node.Describe()}: 'pads' and auto_pad {node.GetString("auto_pad", "")} cannot both be given");
            }

            if (pads.Length != 2 * spatialRank || pads.Any(p => p < 0))
            {
                throw new EdgePruneException($"{node.Describe()}: 'pads' must hold {2 * spatialRank} non-negative values (begins then ends), got [{string.Join(", ", pads)}]");
            }

            for (int i = 0; i < spatialRank; i++)
            {
                begin[i] = checked((int)pads[i]);
                end[i] = checked((int)pads[i + spatialRank]);
            }
        }

        bool ceilMode = node.GetInt("ceil_mode", 0) != 0;
        return new ConvGeometry(k, strides, dilations, begin, end, autoPad, ceilMode);
    }

    public static AutoPad ParseAutoPad(Node node) => node.GetString("auto_pad", "NOTSET") switch
    {
        "NOTSET" or "" => AutoPad.NotSet,
        "SAME_UPPER" => AutoPad.SameUpper,
        "SAME_LOWER" => AutoPad.SameLower,
        "VALID" => AutoPad.Valid,
        var other => throw new EdgePruneException($"{node.Describe()}: auto_pad \"{other}\" is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID"),
    };

    /// <summary>The concrete pads and output sizes of a forward window (Conv, pooling) over <paramref name="input"/> spatial sizes.</summary>
    public (int[] PadsBegin, int[] PadsEnd, int[] Output) Resolve(ReadOnlySpan<int> input)
    {
        var begin = new int[SpatialRank];
        var end = new int[SpatialRank];
        var output = new int[SpatialRank];
        for (int i = 0; i < SpatialRank; i++)
        {
            (begin[i], end[i], output[i]) = ResolveAxis(i, input[i]);
        }

        return (begin, end, output);
    }

    /// <summary>
    /// The concrete pads and output sizes of a transposed window (ConvTranspose, ONNX Operators.md#ConvTranspose):
    /// output = stride·(input − 1) + output_padding + dilated kernel − pads, unless <paramref name="outputShape"/>
    /// (or auto_pad SAME_*, which asks for input·stride) fixes the output and the pads are derived from it.
    /// </summary>
    public (int[] PadsBegin, int[] PadsEnd, int[] Output) ResolveTransposed(ReadOnlySpan<int> input, int[] outputPadding, int[]? outputShape)
    {
        var begin = new int[SpatialRank];
        var end = new int[SpatialRank];
        var output = new int[SpatialRank];
        for (int i = 0; i < SpatialRank; i++)
        {
            int full = Strides[i] * (input[i] - 1) + outputPadding[i] + DilatedKernel(i);
            bool same = AutoPad is AutoPad.SameUpper or AutoPad.SameLower;
            if (outputShape is not null || same)
            {
                // The spec puts the odd pad at the end for SAME_UPPER and at the start otherwise. SAME asks for
                // input·stride, but like ONNX Runtime a kernel too small to reach it gets no negative pads: the
                // output is then the full extent.
                int wanted = outputShape?[i] ?? input[i] * Strides[i];
                int total = Math.Max(0, full - wanted);
                begin[i] = AutoPad == AutoPad.SameUpper ? total / 2 : total - total / 2;
                end[i] = total - begin[i];
                output[i] = outputShape is not null ? wanted : full - total;
            }
            else
            {
                (begin[i], end[i]) = AutoPad == AutoPad.Valid ? (0, 0) : (PadsBegin[i], PadsEnd[i]);
                output[i] = full - begin[i] - end[i];
            }

            if (output[i] < 0)
            {
                throw new EdgePruneException($"transposed convolution output size {output[i]} along spatial axis {i} is negative (pads {begin[i]} and {end[i]})");
            }
        }

        return (begin, end, output);
    }

    /// <summary>The output size along a spatial axis whose input size may be symbolic or unknown.</summary>
    public Dim OutputDim(int axis, Dim input) =>
        input.IsKnown ? Dim.Of(ResolveAxis(axis, checked((int)input.Value!.Value)).Output) : Dim.Unknown;

    private (int Begin, int End, int Output) ResolveAxis(int i, int input)
    {
        int stride = Strides[i];
        int kernel = DilatedKernel(i);
        int begin = PadsBegin[i], end = PadsEnd[i];
        switch (AutoPad)
        {
            case AutoPad.SameUpper or AutoPad.SameLower:
                // Pad so that output = ceil(input / stride); the odd pixel goes at the end for SAME_UPPER. Strides
                // longer than the kernel make the spec's total negative: it is taken as 0, as ONNX Runtime's Conv
                // does (its pooling crops in some such cases and refuses others, so it is no guide there).
                int target = (input + stride - 1) / stride;
                int total = Math.Max(0, (target - 1) * stride + kernel - input);
                begin = AutoPad == AutoPad.SameUpper ? total / 2 : total - total / 2;
                end = total - begin;
                break;
            case AutoPad.Valid:
                begin = end = 0;
                break;
        }

        int span = input + begin + end - kernel;
        if (span < 0)
        {
            throw new EdgePruneException($"a kernel of extent {kernel} does not fit an input of size {input} with pads {begin} and {end}");
        }

        int output = span / stride + 1;
        // With ceil_mode a last, partial window is kept only if it starts inside the input or the begin pad
        // (the PyTorch / ONNX Runtime rule), never one lying wholly in the end pad.
        if (CeilMode && span % stride != 0 && (output * stride) < input + begin)
        {
            output++;
        }

        return (begin, end, output);
    }

    /// <summary>Row-major multi-index of a flat <paramref name="index"/> into <paramref name="shape"/>.</summary>
    public static void Unravel(int index, int[] shape, int[] result)
    {
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            result[d] = index % shape[d];
            index /= shape[d];
        }
    }

    private static int[] Positive(Node node, string name, long[] values, int spatialRank)
    {
        if (values.Length != spatialRank || values.Any(v => v < 1))
        {
            throw new EdgePruneException($"{node.Describe()}: '{name}' must hold {spatialRank} positive values (one per spatial axis), got [{string.Join(", ", values)}]");
        }

        return values.Select(v => checked((int)v)).ToArray();
    }

    private static int[] Ones(int n) => Enumerable.Repeat(1, n).ToArray();
}
