using System.Buffers;
using System.Runtime.CompilerServices;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Conv: N-D grouped convolution Y[n, m] = B[m] + Σ W[m, c, k] · X[n, g·C/group + c, o·stride + k·dilation − pad].
/// ONNX Operators.md#Conv (versions 1 and 11 differ only in type constraints). X is [N, C, D1…Dk],
/// W is [M, C/group, K1…Kk]; kernel_shape may be omitted and is then taken from W. The kernel lays the input
/// out as columns (im2col) and runs one matrix product per image and group.
/// </summary>
public sealed class Conv : Operator
{
    public override string OpType => "Conv";
    public override int MinInputs => 2;
    public override int MaxInputs => 3;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "auto_pad", "dilations", "group", "kernel_shape", "pads", "strides" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        ConvGeometry.ParseAutoPad(node);
        if (node.GetInts("kernel_shape") is { } kernel)
        {
            // The kernel's rank fixes how many values strides, dilations and pads must hold.
            ConvGeometry.Read(node, kernel.Length, null);
        }

        if (node.GetInt("group", 1) < 1)
        {
            problems.Add($"group must be at least 1, got {node.GetInt("group", 1)}");
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        var w = inputs[1]!;
        var bias = inputs.Count > 2 ? inputs[2] : null;
        foreach (var (type, name) in new[] { (x, "X"), (w, "W"), (bias, "B") })
        {
            if (type is not null && type.ElementType != DataType.Float)
            {
                throw new EdgePruneException($"{node.Describe()}: input {name} is {type.ElementType.OnnxName()}; EdgePrune implements Conv for float only");
            }
        }

        int? rank = x.Rank ?? w.Rank;
        if (rank is null)
        {
            return [new TensorType(DataType.Float, null)];
        }

        if (rank < 3 || (x.Rank is not null && w.Rank is not null && x.Rank != w.Rank))
        {
            throw new EdgePruneException($"{node.Describe()}: X {x} and W {w} must have the same rank, at least 3 ([N, C, spatial…] and [M, C/group, kernel…])");
        }

        int spatialRank = rank.Value - 2;
        long group = node.GetInt("group", 1);
        Dim channels = x.Shape?[1] ?? Dim.Unknown;
        Dim filters = w.Shape?[0] ?? Dim.Unknown;
        Dim channelsPerGroup = w.Shape?[1] ?? Dim.Unknown;
        if (channels.IsKnown && channelsPerGroup.IsKnown && channels.Value != channelsPerGroup.Value * group)
        {
            throw new EdgePruneException($"{node.Describe()}: X has {channels} channels but W {w} with group {group} expects {channelsPerGroup.Value * group}");
        }

        if (filters.IsKnown && filters.Value % group != 0)
        {
            throw new EdgePruneException($"{node.Describe()}: W has {filters} output channels, not divisible by group {group}");
        }

        if (bias?.Shape is { } bs && (bs.Count != 1 || (bs[0].IsKnown && filters.IsKnown && bs[0].Value != filters.Value)))
        {
            throw new EdgePruneException($"{node.Describe()}: B {bias} must be 1-D with one value per output channel ({filters})");
        }

        int[]? kernel = w.Shape is { } ws && ws.Skip(2).All(d => d.IsKnown) ? ws.Skip(2).Select(d => (int)d.Value!.Value).ToArray() : null;
        var output = new Dim[rank.Value];
        output[0] = x.Shape?[0] ?? Dim.Unknown;
        output[1] = filters;
        if (kernel is null && !node.HasAttribute("kernel_shape"))
        {
            for (int i = 0; i < spatialRank; i++)
            {
                output[2 + i] = Dim.Unknown;
            }
        }
        else
        {
            var geometry = ConvGeometry.Read(node, spatialRank, kernel);
            for (int i = 0; i < spatialRank; i++)
            {
                output[2 + i] = geometry.OutputDim(i, x.Shape?[2 + i] ?? Dim.Unknown);
            }
        }

        return [new TensorType(DataType.Float, output)];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var w = inputs[1]!;
        var bias = inputs.Count > 2 ? inputs[2] : null;
        if (x.Rank < 3 || w.Rank != x.Rank)
        {
            throw new EdgePruneException($"{node.Describe()}: X {x} and W {w} must have the same rank, at least 3");
        }

        int spatialRank = x.Rank - 2;
        int group = checked((int)node.GetInt("group", 1));
        int batch = x.Shape[0], channels = x.Shape[1], filters = w.Shape[0];
        int channelsPerGroup = w.Shape[1];
        if (channels != channelsPerGroup * group || filters % group != 0)
        {
            throw new EdgePruneException($"{node.Describe()}: X {x} and W {w} do not fit group {group}");
        }

        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != filters))
        {
            throw new EdgePruneException($"{node.Describe()}: B {bias} must hold one value per output channel ({filters})");
        }

        int[] inputSize = x.Shape[2..].ToArray();
        var geometry = ConvGeometry.Read(node, spatialRank, w.Shape[2..].ToArray());
        var (padsBegin, _, outputSize) = geometry.Resolve(inputSize);
        int inputPlane = Axes.Product(inputSize, 0, spatialRank);
        int outputPlane = Axes.Product(outputSize, 0, spatialRank);
        int kernelSize = Axes.Product(geometry.Kernel, 0, spatialRank);
        int filtersPerGroup = filters / group;
        int columnRows = channelsPerGroup * kernelSize;

        var xs = SharedData.Floats(x, node, "X");
        var ws = SharedData.Floats(w, node, "W");
        var y = new float[(long)batch * filters * outputPlane];
        if (bias is not null)
        {
            var bs = bias.Span<float>();
            for (int n = 0; n < batch; n++)
            {
                for (int m = 0; m < filters; m++)
                {
                    y.AsSpan((n * filters + m) * outputPlane, outputPlane).Fill(bs[m]);
                }
            }
        }

        // A 1×1 kernel with unit strides and no padding reads the input as it is: no im2col needed.
        bool pointwise = kernelSize == 1 && geometry.Strides.All(s => s == 1) && padsBegin.All(p => p == 0) && outputPlane == inputPlane;
        int jobs = batch * group;
        bool parallelJobs = jobs >= Environment.ProcessorCount;

        void Job(int job)
        {
            int n = job / group, g = job % group;
            int inputOffset = (n * channels + g * channelsPerGroup) * inputPlane;
            // The column buffer is pooled: ResNet-sized layers need megabytes of it per call.
            float[]? rented = pointwise ? null : ArrayPool<float>.Shared.Rent(columnRows * outputPlane);
            if (rented is not null)
            {
                Im2Col(xs, inputOffset, channelsPerGroup, inputSize, geometry, padsBegin, outputSize, rented);
            }

            MatrixMultiply.Accumulate(
                ws, g * filtersPerGroup * columnRows,
                rented ?? xs, rented is null ? inputOffset : 0,
                y, (n * filters + g * filtersPerGroup) * outputPlane,
                filtersPerGroup, columnRows, outputPlane,
                parallel: !parallelJobs);
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }

        Jobs.Run(jobs, parallelJobs, Job);

        return [Tensor.FromArray(y, [batch, filters, .. outputSize])];
    }

    public override long CountMacs(Node node, IReadOnlyList<TensorType?> inputs, IReadOnlyList<TensorType> outputs)
    {
        var w = inputs[1];
        var y = outputs[0];
        if (w is null || !w.IsFullyKnown || !y.IsFullyKnown)
        {
            return 0;
        }

        // Every output element takes one MAC per weight of its filter: C/group · kernel size.
        long perOutput = w.ConcreteShape().Skip(1).Aggregate(1L, (p, d) => p * d);
        return y.ConcreteShape().Aggregate(1L, (p, d) => p * d) * perOutput;
    }

    /// <summary>
    /// Lays out <paramref name="channels"/> input planes as a [channels·kernel, output positions] matrix: row
    /// (c, k) holds, for every output position, the input value kernel tap k reads there (0 in the padding).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Im2Col(float[] x, int xOffset, int channels, int[] inputSize, ConvGeometry geometry, int[] padsBegin, int[] outputSize, float[] columns)
    {
        int rank = inputSize.Length;
        int last = rank - 1;
        int kernelSize = Axes.Product(geometry.Kernel, 0, rank);
        int inputPlane = Axes.Product(inputSize, 0, rank);
        int outputPlane = Axes.Product(outputSize, 0, rank);
        int outputRow = outputSize[last];
        int outerPositions = outputPlane / Math.Max(outputRow, 1);
        var tap = new int[rank];
        for (int c = 0; c < channels; c++)
        {
            for (int k = 0; k < kernelSize; k++)
            {
                ConvGeometry.Unravel(k, geometry.Kernel, tap);
                var row = columns.AsSpan((c * kernelSize + k) * outputPlane, outputPlane);
                int lastShift = tap[last] * geometry.Dilations[last] - padsBegin[last];
                int lastStride = geometry.Strides[last];
                for (int outer = 0; outer < outerPositions; outer++)
                {
                    // Locate the input line this tap reads for the output line 'outer' (all axes but the last).
                    int rest = outer, lineOffset = 0, scale = inputSize[last];
                    bool inside = true;
                    for (int d = last - 1; d >= 0; d--)
                    {
                        int o = rest % outputSize[d];
                        rest /= outputSize[d];
                        int i = o * geometry.Strides[d] + tap[d] * geometry.Dilations[d] - padsBegin[d];
                        inside &= i >= 0 && i < inputSize[d];
                        lineOffset += i * scale;
                        scale *= inputSize[d];
                    }

                    var line = row.Slice(outer * outputRow, outputRow);
                    if (!inside)
                    {
                        line.Clear();
                        continue;
                    }

                    int lineStart = xOffset + c * inputPlane + lineOffset;
                    for (int o = 0; o < outputRow; o++)
                    {
                        int i = o * lastStride + lastShift;
                        line[o] = (uint)i < (uint)inputSize[last] ? x[lineStart + i] : 0f;
                    }
                }
            }
        }
    }
}
