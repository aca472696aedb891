using System.Runtime.CompilerServices;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// ConvTranspose: the gradient of Conv with respect to its input, used for upsampling. ONNX
/// Operators.md#ConvTranspose (versions 1 and 11 differ only in type constraints). X is [N, C, D1…Dk], W is
/// [C, M/group, K1…Kk]; every input element scatters W[c, m, k] · X[n, c, i] to output position
/// i·stride + k·dilation − pad. The kernel runs one matrix product per image and group (Wᵀ · X) and then
/// scatter-adds the columns into the output (col2im).
/// </summary>
public sealed class ConvTranspose : Operator
{
    public override string OpType => "ConvTranspose";
    public override int MinInputs => 2;
    public override int MaxInputs => 3;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "auto_pad", "dilations", "group", "kernel_shape", "output_padding", "output_shape", "pads", "strides" };

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

        if (node.GetInts("output_padding") is { } outputPadding && outputPadding.Any(p => p < 0))
        {
            problems.Add($"output_padding must be non-negative, got [{string.Join(", ", outputPadding)}]");
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
                throw new EdgePruneException($"{node.Describe()}: input {name} is {type.ElementType.OnnxName()}; EdgePrune implements ConvTranspose for float only");
            }
        }

        if (x.Shape is null || w.Shape is null)
        {
            return [new TensorType(DataType.Float, null)];
        }

        if (x.Shape.Count < 3 || x.Shape.Count != w.Shape.Count)
        {
            throw new EdgePruneException($"{node.Describe()}: X {x} and W {w} must have the same rank, at least 3 ([N, C, spatial…] and [C, M/group, kernel…])");
        }

        long group = node.GetInt("group", 1);
        if (x.Shape[1].IsKnown && w.Shape[0].IsKnown && x.Shape[1].Value != w.Shape[0].Value)
        {
            throw new EdgePruneException($"{node.Describe()}: X has {x.Shape[1]} channels but W {w} expects {w.Shape[0]}");
        }

        if (x.Shape[1].IsKnown && x.Shape[1].Value % group != 0)
        {
            throw new EdgePruneException($"{node.Describe()}: X has {x.Shape[1]} channels, not divisible by group {group}");
        }

        int spatialRank = x.Shape.Count - 2;
        var output = new Dim[x.Shape.Count];
        output[0] = x.Shape[0];
        output[1] = w.Shape[1].IsKnown ? Dim.Of(w.Shape[1].Value!.Value * group) : Dim.Unknown;
        bool concrete = x.Shape.Skip(2).Concat(w.Shape.Skip(2)).All(d => d.IsKnown);
        var outputShape = OutputShape(node, spatialRank);
        for (int i = 0; i < spatialRank; i++)
        {
            output[2 + i] = outputShape is not null ? Dim.Of(outputShape[i]) : Dim.Unknown;
        }

        if (concrete)
        {
            var (_, _, sizes) = Geometry(node, spatialRank, w.Shape.Skip(2).Select(d => (int)d.Value!.Value).ToArray())
                .ResolveTransposed(x.Shape.Skip(2).Select(d => (int)d.Value!.Value).ToArray(), OutputPadding(node, spatialRank), outputShape);
            for (int i = 0; i < spatialRank; i++)
            {
                output[2 + i] = Dim.Of(sizes[i]);
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
        int batch = x.Shape[0], channels = x.Shape[1];
        int filtersPerGroup = w.Shape[1], filters = filtersPerGroup * group;
        if (w.Shape[0] != channels || channels % group != 0)
        {
            throw new EdgePruneException($"{node.Describe()}: X {x} and W {w} do not fit group {group}");
        }

        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != filters))
        {
            throw new EdgePruneException($"{node.Describe()}: B {bias} must hold one value per output channel ({filters})");
        }

        int[] inputSize = x.Shape[2..].ToArray();
        var geometry = Geometry(node, spatialRank, w.Shape[2..].ToArray());
        var (padsBegin, _, outputSize) = geometry.ResolveTransposed(inputSize, OutputPadding(node, spatialRank), OutputShape(node, spatialRank));
        int inputPlane = Axes.Product(inputSize, 0, spatialRank);
        int outputPlane = Axes.Product(outputSize, 0, spatialRank);
        int kernelSize = Axes.Product(geometry.Kernel, 0, spatialRank);
        int channelsPerGroup = channels / group;
        int columnRows = filtersPerGroup * kernelSize;

        // Wᵀ per group: [filtersPerGroup·kernel, channelsPerGroup], so the columns are one matrix product.
        var ws = w.Span<float>();
        var transposed = new float[group * columnRows * channelsPerGroup];
        for (int g = 0; g < group; g++)
        {
            for (int c = 0; c < channelsPerGroup; c++)
            {
                for (int r = 0; r < columnRows; r++)
                {
                    transposed[(g * columnRows + r) * channelsPerGroup + c] = ws[(g * channelsPerGroup + c) * columnRows + r];
                }
            }
        }

        var xs = SharedData.Floats(x, node, "X");
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

        int jobs = batch * group;
        bool parallelJobs = jobs >= Environment.ProcessorCount;
        void Job(int job)
        {
            int n = job / group, g = job % group;
            var columns = new float[columnRows * inputPlane];
            MatrixMultiply.Accumulate(
                transposed, g * columnRows * channelsPerGroup,
                xs, (n * channels + g * channelsPerGroup) * inputPlane,
                columns, 0,
                columnRows, channelsPerGroup, inputPlane,
                parallel: !parallelJobs);
            Col2Im(columns, filtersPerGroup, inputSize, geometry, padsBegin, outputSize, y, (n * filters + g * filtersPerGroup) * outputPlane);
        }

        Jobs.Run(jobs, parallelJobs, Job);

        return [Tensor.FromArray(y, [batch, filters, .. outputSize])];
    }

    public override long CountMacs(Node node, IReadOnlyList<TensorType?> inputs, IReadOnlyList<TensorType> outputs)
    {
        var x = inputs[0];
        var w = inputs[1];
        if (x is null || w is null || !x.IsFullyKnown || !w.IsFullyKnown)
        {
            return 0;
        }

        // Every input element meets every weight of its channel: M/group · kernel size.
        long perInput = w.ConcreteShape().Skip(1).Aggregate(1L, (p, d) => p * d);
        return x.ConcreteShape().Aggregate(1L, (p, d) => p * d) * perInput;
    }

    private static ConvGeometry Geometry(Node node, int spatialRank, int[] kernel) => ConvGeometry.Read(node, spatialRank, kernel);

    private static int[] OutputPadding(Node node, int spatialRank)
    {
        var values = node.GetInts("output_padding") ?? new long[spatialRank];
        return values.Length == spatialRank
            ? values.Select(v => checked((int)v)).ToArray()
            : throw new EdgePruneException($"{node.Describe()}: 'output_padding' must hold {spatialRank} values, got [{string.Join(", ", values)}]");
    }

    /// <summary>output_shape's spatial sizes; exporters write either those alone or [N, C, spatial…].</summary>
    private static int[]? OutputShape(Node node, int spatialRank) => node.GetInts("output_shape") switch
    {
        null => null,
        var s when s.Length == spatialRank || s.Length == spatialRank + 2 => s[^spatialRank..].Select(v => checked((int)v)).ToArray(),
        var s => throw new EdgePruneException($"{node.Describe()}: 'output_shape' must hold {spatialRank} spatial sizes, got [{string.Join(", ", s)}]"),
    };

    /// <summary>
    /// Adds the [filters·kernel, input positions] column matrix into <paramref name="filters"/> output planes:
    /// row (m, k) at input position i lands on output position i·stride + k·dilation − pad.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Col2Im(float[] columns, int filters, int[] inputSize, ConvGeometry geometry, int[] padsBegin, int[] outputSize, float[] y, int yOffset)
    {
        int rank = inputSize.Length;
        int last = rank - 1;
        int kernelSize = Axes.Product(geometry.Kernel, 0, rank);
        int inputPlane = Axes.Product(inputSize, 0, rank);
        int outputPlane = Axes.Product(outputSize, 0, rank);
        int inputRow = inputSize[last];
        int outerPositions = inputPlane / Math.Max(inputRow, 1);
        var tap = new int[rank];
        for (int m = 0; m < filters; m++)
        {
            for (int k = 0; k < kernelSize; k++)
            {
                ConvGeometry.Unravel(k, geometry.Kernel, tap);
                int row = (m * kernelSize + k) * inputPlane;
                int lastShift = tap[last] * geometry.Dilations[last] - padsBegin[last];
                for (int outer = 0; outer < outerPositions; outer++)
                {
                    // The output line this tap writes for input line 'outer' (all axes but the last).
                    int rest = outer, lineOffset = 0, scale = outputSize[last];
                    bool inside = true;
                    for (int d = last - 1; d >= 0; d--)
                    {
                        int i = rest % inputSize[d];
                        rest /= inputSize[d];
                        int o = i * geometry.Strides[d] + tap[d] * geometry.Dilations[d] - padsBegin[d];
                        inside &= o >= 0 && o < outputSize[d];
                        lineOffset += o * scale;
                        scale *= outputSize[d];
                    }

                    if (!inside)
                    {
                        continue;
                    }

                    int lineStart = yOffset + m * outputPlane + lineOffset;
                    int source = row + outer * inputRow;
                    for (int i = 0; i < inputRow; i++)
                    {
                        int o = i * geometry.Strides[last] + lastShift;
                        if ((uint)o < (uint)outputSize[last])
                        {
                            y[lineStart + o] += columns[source + i];
                        }
                    }
                }
            }
        }
    }
}
