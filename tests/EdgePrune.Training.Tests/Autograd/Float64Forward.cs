using EdgePrune.Core.Ir;

namespace EdgePrune.Training.Tests.Autograd;

/// <summary>
/// The test's own forward pass of a graph in float64: every op EdgePrune can differentiate, written as the plain
/// loop its ONNX definition (Operators.md) describes, sharing no code with the engine or the Core reference kernels.
/// It supports only the attribute combinations the gradient checks use and throws on anything else. Int64 inputs
/// (shapes, axes, indices) are carried as integers.
/// </summary>
internal static class Float64Forward
{
    /// <summary>A value: float data widened to double, or int64 data, with its shape.</summary>
    internal sealed record Array64(double[] Data, int[] Shape, long[]? Ints = null)
    {
        public int Count => Data.Length;
    }

    /// <summary>Runs <paramref name="graph"/> with initializer <paramref name="changed"/> (if given) replaced by <paramref name="values"/>.</summary>
    public static Array64 Run(Graph graph, bool training, string? changed = null, double[]? values = null)
    {
        var env = new Dictionary<string, Array64>(StringComparer.Ordinal);
        foreach (var (name, tensor) in graph.Initializers)
        {
            int[] shape = tensor.Shape.ToArray();
            env[name] = tensor.DataType == DataType.Float
                ? new Array64(name == changed ? values! : Array.ConvertAll(tensor.ToFloatArray(), v => (double)v), shape)
                : new Array64([], shape, tensor.ToInt64Array());
        }

        foreach (var node in graph.Nodes)
        {
            var inputs = node.Inputs.Select(n => n.Length > 0 ? env[n] : null).ToArray();
            var outputs = Evaluate(node, graph.Opset, inputs, training);
            for (int k = 0; k < node.Outputs.Length; k++)
            {
                env[node.Outputs[k]] = outputs[k];
            }
        }

        return env[graph.Outputs[0].Name];
    }

    private static Array64[] Evaluate(Node node, int opset, Array64?[] inputs, bool training)
    {
        var x = inputs[0]!;
        return node.OpType switch
        {
            "Relu" => [Map(x, v => Math.Max(v, 0))],
            "LeakyRelu" => [Map(x, v => v >= 0 ? v : node.GetFloat("alpha", 0.01f) * v)],
            "Sigmoid" => [Map(x, v => 1 / (1 + Math.Exp(-v)))],
            "Tanh" => [Map(x, Math.Tanh)],
            "Exp" => [Map(x, Math.Exp)],
            "Log" => [Map(x, Math.Log)],
            "Sqrt" => [Map(x, Math.Sqrt)],
            "Neg" => [Map(x, v => -v)],
            "Abs" => [Map(x, Math.Abs)],
            "HardSigmoid" => [Map(x, v => Math.Clamp(node.GetFloat("alpha", 0.2f) * v + node.GetFloat("beta", 0.5f), 0, 1))],
            "HardSwish" => [Map(x, v => v * Math.Clamp(v / 6 + 0.5, 0, 1))],
            "Clip" => [Map(x, v => Math.Clamp(v, inputs[1]!.Data[0], inputs[2]!.Data[0]))],
            "Identity" => [x],
            "Dropout" when !training => [x],
            "Add" => [Broadcast(x, inputs[1]!, (a, b) => a + b)],
            "Sub" => [Broadcast(x, inputs[1]!, (a, b) => a - b)],
            "Mul" => [Broadcast(x, inputs[1]!, (a, b) => a * b)],
            "Div" => [Broadcast(x, inputs[1]!, (a, b) => a / b)],
            "Pow" => [Broadcast(x, inputs[1]!, Math.Pow)],
            "Gemm" => [Gemm(node, x, inputs[1]!, inputs.Length > 2 ? inputs[2] : null)],
            "MatMul" => [MatMul(x, inputs[1]!)],
            "Conv" => [Conv(node, x, inputs[1]!, inputs.Length > 2 ? inputs[2] : null)],
            "MaxPool" => [Pool(node, x, max: true)],
            "AveragePool" => [Pool(node, x, max: false)],
            "GlobalAveragePool" => [GlobalAveragePool(x)],
            "BatchNormalization" => [BatchNormalization(node, inputs, training)],
            "LayerNormalization" => [LayerNormalization(node, x, inputs[1]!, inputs[2])],
            "Softmax" => [Softmax(node, opset, x, logarithmic: false)],
            "LogSoftmax" => [Softmax(node, opset, x, logarithmic: true)],
            "Reshape" => [Reshape(x, inputs[1]!.Ints!)],
            "Flatten" => [Flatten(node, x)],
            "Squeeze" => [Squeeze(x, inputs[1]!.Ints!)],
            "Unsqueeze" => [Unsqueeze(x, inputs[1]!.Ints!)],
            "Transpose" => [Transpose(x, node.GetInts("perm")!)],
            "Slice" => [Slice(x, inputs)],
            "Gather" => [Gather(node, x, inputs[1]!)],
            "Split" => Split(node, x, inputs[1]!),
            "Concat" => [Concat(node, inputs)],
            "Resize" => [Resize(node, x, inputs[2]!)],
            _ => throw new NotSupportedException($"the float64 oracle has no forward for {node.OpType} (training: {training})"),
        };
    }

    private static Array64 Map(Array64 x, Func<double, double> f) => new(Array.ConvertAll(x.Data, v => f(v)), x.Shape);

    private static int[] StridesOf(int[] shape)
    {
        var strides = new int[shape.Length];
        int stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= shape[d];
        }

        return strides;
    }

    private static int CountOf(int[] shape) => shape.Aggregate(1, (p, d) => p * d);

    /// <summary>The multi-index of flat index <paramref name="flat"/> in <paramref name="shape"/>.</summary>
    private static int[] Unravel(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }

        return index;
    }

    private static int Ravel(int[] index, int[] shape)
    {
        int flat = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            flat = flat * shape[d] + index[d];
        }

        return flat;
    }

    /// <summary>The flat index into <paramref name="shape"/> of an output index under numpy broadcasting (right-aligned, size-1 axes repeat).</summary>
    private static int BroadcastIndex(int[] outputIndex, int[] shape)
    {
        int offset = outputIndex.Length - shape.Length;
        int flat = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            flat = flat * shape[d] + (shape[d] == 1 ? 0 : outputIndex[offset + d]);
        }

        return flat;
    }

    private static int[] BroadcastShape(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var shape = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            int da = d - (rank - a.Length) >= 0 ? a[d - (rank - a.Length)] : 1;
            int db = d - (rank - b.Length) >= 0 ? b[d - (rank - b.Length)] : 1;
            shape[d] = da == 1 ? db : da;
        }

        return shape;
    }

    private static Array64 Broadcast(Array64 a, Array64 b, Func<double, double, double> f)
    {
        var shape = BroadcastShape(a.Shape, b.Shape);
        var y = new double[CountOf(shape)];
        for (int o = 0; o < y.Length; o++)
        {
            var index = Unravel(o, shape);
            y[o] = f(a.Data[BroadcastIndex(index, a.Shape)], b.Data[BroadcastIndex(index, b.Shape)]);
        }

        return new Array64(y, shape);
    }

    private static Array64 Gemm(Node node, Array64 a, Array64 b, Array64? c)
    {
        bool transA = node.GetInt("transA", 0) != 0, transB = node.GetInt("transB", 0) != 0;
        double alpha = node.GetFloat("alpha", 1f), beta = node.GetFloat("beta", 1f);
        int m = transA ? a.Shape[1] : a.Shape[0], k = transA ? a.Shape[0] : a.Shape[1];
        int n = transB ? b.Shape[0] : b.Shape[1];
        var y = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (transA ? a.Data[p * m + i] : a.Data[i * k + p]) * (transB ? b.Data[j * k + p] : b.Data[p * n + j]);
                }

                y[i * n + j] = alpha * sum + (c is null ? 0 : beta * c.Data[BroadcastIndex([i, j], c.Shape)]);
            }
        }

        return new Array64(y, [m, n]);
    }

    /// <summary>numpy.matmul: 1-D operands get a unit axis (removed again), leading axes broadcast.</summary>
    private static Array64 MatMul(Array64 a, Array64 b)
    {
        int[] aShape = a.Shape.Length == 1 ? [1, a.Shape[0]] : a.Shape;
        int[] bShape = b.Shape.Length == 1 ? [b.Shape[0], 1] : b.Shape;
        int m = aShape[^2], k = aShape[^1], n = bShape[^1];
        var batch = BroadcastShape(aShape[..^2], bShape[..^2]);
        int batches = CountOf(batch);
        var y = new double[batches * m * n];
        for (int t = 0; t < batches; t++)
        {
            var index = Unravel(t, batch);
            int aBase = BroadcastIndex(index, aShape[..^2]) * m * k;
            int bBase = BroadcastIndex(index, bShape[..^2]) * k * n;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int p = 0; p < k; p++)
                    {
                        sum += a.Data[aBase + i * k + p] * b.Data[bBase + p * n + j];
                    }

                    y[(t * m + i) * n + j] = sum;
                }
            }
        }

        var shape = new List<int>(batch);
        if (a.Shape.Length > 1)
        {
            shape.Add(m);
        }

        if (b.Shape.Length > 1)
        {
            shape.Add(n);
        }

        return new Array64(y, [.. shape]);
    }

    /// <summary>A 1-D or 2-D window: kernel, strides, dilations, pads (begin per axis, then end per axis) and the output size.</summary>
    private sealed record Window(int[] Kernel, int[] Strides, int[] Dilations, int[] Begin, int[] End, int[] Output);

    private static Window WindowOf(Node node, int[] inputSpatial, int[] kernel)
    {
        int rank = inputSpatial.Length;
        int[] Ints(string name, int fill) => node.GetInts(name) is { } v ? Array.ConvertAll(v, d => (int)d) : Enumerable.Repeat(fill, rank).ToArray();
        var strides = Ints("strides", 1);
        var dilations = Ints("dilations", 1);
        var pads = node.GetInts("pads") is { } p ? Array.ConvertAll(p, d => (int)d) : new int[2 * rank];
        int[] begin = pads[..rank], end = pads[rank..];
        var output = new int[rank];
        string autoPad = node.GetString("auto_pad", "NOTSET");
        for (int d = 0; d < rank; d++)
        {
            int extent = (kernel[d] - 1) * dilations[d] + 1;
            if (autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                output[d] = (inputSpatial[d] + strides[d] - 1) / strides[d];
                int total = Math.Max(0, (output[d] - 1) * strides[d] + extent - inputSpatial[d]);
                begin[d] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                end[d] = total - begin[d];
            }
            else if (autoPad == "VALID")
            {
                begin[d] = end[d] = 0;
                output[d] = (inputSpatial[d] - extent) / strides[d] + 1;
            }
            else
            {
                output[d] = (inputSpatial[d] + begin[d] + end[d] - extent) / strides[d] + 1;
            }
        }

        return new Window(kernel, strides, dilations, begin, end, output);
    }

    /// <summary>Every tap of output position <paramref name="o"/>: (input spatial flat index or −1 in the padding, kernel flat index, inside the explicit pads).</summary>
    private static IEnumerable<(int Input, int Tap, bool InPads)> Taps(Window w, int[] inputSpatial, int[] o)
    {
        int taps = CountOf(w.Kernel);
        for (int t = 0; t < taps; t++)
        {
            var tap = Unravel(t, w.Kernel);
            int flat = 0;
            bool inside = true, inPads = true;
            for (int d = 0; d < inputSpatial.Length; d++)
            {
                int at = o[d] * w.Strides[d] + tap[d] * w.Dilations[d] - w.Begin[d];
                inside &= at >= 0 && at < inputSpatial[d];
                inPads &= at < inputSpatial[d] + w.End[d];
                flat = flat * inputSpatial[d] + at;
            }

            yield return (inside ? flat : -1, t, inPads);
        }
    }

    private static Array64 Conv(Node node, Array64 x, Array64 w, Array64? bias)
    {
        int batch = x.Shape[0], channels = x.Shape[1], outputs = w.Shape[0];
        int groups = (int)node.GetInt("group", 1);
        int groupChannels = channels / groups, groupOutputs = outputs / groups;
        int[] spatial = x.Shape[2..], kernel = w.Shape[2..];
        var window = WindowOf(node, spatial, kernel);
        int inPlane = CountOf(spatial), outPlane = CountOf(window.Output), taps = CountOf(kernel);
        var y = new double[batch * outputs * outPlane];
        for (int n = 0; n < batch; n++)
        {
            for (int m = 0; m < outputs; m++)
            {
                int g = m / groupOutputs;
                for (int o = 0; o < outPlane; o++)
                {
                    double sum = bias?.Data[m] ?? 0;
                    foreach (var (input, tap, _) in Taps(window, spatial, Unravel(o, window.Output)))
                    {
                        if (input < 0)
                        {
                            continue;
                        }

                        for (int c = 0; c < groupChannels; c++)
                        {
                            sum += x.Data[(n * channels + g * groupChannels + c) * inPlane + input] * w.Data[(m * groupChannels + c) * taps + tap];
                        }
                    }

                    y[(n * outputs + m) * outPlane + o] = sum;
                }
            }
        }

        return new Array64(y, [batch, outputs, .. window.Output]);
    }

    private static Array64 Pool(Node node, Array64 x, bool max)
    {
        int planes = x.Shape[0] * x.Shape[1];
        int[] spatial = x.Shape[2..];
        var window = WindowOf(node, spatial, Array.ConvertAll(node.GetInts("kernel_shape")!, d => (int)d));
        bool includePad = node.GetInt("count_include_pad", 0) != 0;
        int inPlane = CountOf(spatial), outPlane = CountOf(window.Output);
        var y = new double[planes * outPlane];
        for (int p = 0; p < planes; p++)
        {
            for (int o = 0; o < outPlane; o++)
            {
                double best = double.NegativeInfinity, sum = 0;
                int inside = 0, padded = 0;
                foreach (var (input, _, inPads) in Taps(window, spatial, Unravel(o, window.Output)))
                {
                    padded += inPads ? 1 : 0;
                    if (input >= 0)
                    {
                        inside++;
                        best = Math.Max(best, x.Data[p * inPlane + input]);
                        sum += x.Data[p * inPlane + input];
                    }
                }

                y[p * outPlane + o] = max ? best : sum / (includePad ? padded : inside);
            }
        }

        return new Array64(y, [x.Shape[0], x.Shape[1], .. window.Output]);
    }

    private static Array64 GlobalAveragePool(Array64 x)
    {
        int planes = x.Shape[0] * x.Shape[1], size = x.Count / planes;
        var y = new double[planes];
        for (int p = 0; p < planes; p++)
        {
            y[p] = x.Data.Skip(p * size).Take(size).Sum() / size;
        }

        return new Array64(y, [x.Shape[0], x.Shape[1], .. Enumerable.Repeat(1, x.Shape.Length - 2)]);
    }

    /// <summary>Per channel c: training normalises by the batch's mean and biased variance over N and the spatial axes, evaluation by the running statistics.</summary>
    private static Array64 BatchNormalization(Node node, Array64?[] inputs, bool training)
    {
        var x = inputs[0]!;
        double epsilon = node.GetFloat("epsilon", 1e-5f);
        int batch = x.Shape[0], channels = x.Shape[1], size = x.Count / (batch * channels);
        var y = new double[x.Count];
        for (int c = 0; c < channels; c++)
        {
            var members = Enumerable.Range(0, batch).SelectMany(n => Enumerable.Range((n * channels + c) * size, size)).ToArray();
            double mean = training ? members.Average(i => x.Data[i]) : inputs[3]!.Data[c];
            double variance = training ? members.Average(i => (x.Data[i] - mean) * (x.Data[i] - mean)) : inputs[4]!.Data[c];
            foreach (int i in members)
            {
                y[i] = inputs[1]!.Data[c] * (x.Data[i] - mean) / Math.Sqrt(variance + epsilon) + inputs[2]!.Data[c];
            }
        }

        return new Array64(y, x.Shape);
    }

    /// <summary>Each row over the axes from <c>axis</c> on is normalised, then scaled and shifted element by element.</summary>
    private static Array64 LayerNormalization(Node node, Array64 x, Array64 scale, Array64? bias)
    {
        int axis = (int)node.GetInt("axis", -1);
        axis = axis < 0 ? axis + x.Shape.Length : axis;
        int width = CountOf(x.Shape[axis..]), rows = x.Count / width;
        double epsilon = node.GetFloat("epsilon", 1e-5f);
        var y = new double[x.Count];
        for (int r = 0; r < rows; r++)
        {
            var row = x.Data.AsSpan(r * width, width).ToArray();
            double mean = row.Average();
            double variance = row.Average(v => (v - mean) * (v - mean));
            for (int i = 0; i < width; i++)
            {
                y[r * width + i] = (row[i] - mean) / Math.Sqrt(variance + epsilon) * scale.Data[i] + (bias?.Data[i] ?? 0);
            }
        }

        return new Array64(y, x.Shape);
    }

    /// <summary>Opset 13: along one axis (default −1). Before: the input is read as 2-D [Π dims before axis, Π dims from axis], axis default 1.</summary>
    private static Array64 Softmax(Node node, int opset, Array64 x, bool logarithmic)
    {
        int rank = x.Shape.Length;
        int axis = (int)node.GetInt("axis", opset >= 13 ? -1 : 1);
        axis = axis < 0 ? axis + rank : axis;
        int outer, length, inner;
        if (opset >= 13)
        {
            (outer, length, inner) = (CountOf(x.Shape[..axis]), x.Shape[axis], CountOf(x.Shape[(axis + 1)..]));
        }
        else
        {
            (outer, length, inner) = (CountOf(x.Shape[..axis]), CountOf(x.Shape[axis..]), 1);
        }

        var y = new double[x.Count];
        for (int a = 0; a < outer; a++)
        {
            for (int b = 0; b < inner; b++)
            {
                int At(int i) => (a * length + i) * inner + b;
                double sum = 0;
                for (int i = 0; i < length; i++)
                {
                    sum += Math.Exp(x.Data[At(i)]);
                }

                for (int i = 0; i < length; i++)
                {
                    y[At(i)] = logarithmic ? x.Data[At(i)] - Math.Log(sum) : Math.Exp(x.Data[At(i)]) / sum;
                }
            }
        }

        return new Array64(y, x.Shape);
    }

    /// <summary>0 copies the input's dimension, −1 takes what is left.</summary>
    private static Array64 Reshape(Array64 x, long[] target)
    {
        var shape = target.Select((d, i) => d == 0 ? x.Shape[i] : (int)d).ToArray();
        int known = shape.Where(d => d != -1).Aggregate(1, (p, d) => p * d);
        return new Array64(x.Data, Array.ConvertAll(shape, d => d == -1 ? x.Count / known : d));
    }

    private static Array64 Flatten(Node node, Array64 x)
    {
        int axis = (int)node.GetInt("axis", 1);
        axis = axis < 0 ? axis + x.Shape.Length : axis;
        return new Array64(x.Data, [CountOf(x.Shape[..axis]), CountOf(x.Shape[axis..])]);
    }

    private static Array64 Squeeze(Array64 x, long[] axes)
    {
        var drop = axes.Select(a => (int)(a < 0 ? a + x.Shape.Length : a)).ToHashSet();
        return new Array64(x.Data, x.Shape.Where((_, d) => !drop.Contains(d)).ToArray());
    }

    private static Array64 Unsqueeze(Array64 x, long[] axes)
    {
        int rank = x.Shape.Length + axes.Length;
        var add = axes.Select(a => (int)(a < 0 ? a + rank : a)).ToHashSet();
        var shape = new int[rank];
        for (int d = 0, s = 0; d < rank; d++)
        {
            shape[d] = add.Contains(d) ? 1 : x.Shape[s++];
        }

        return new Array64(x.Data, shape);
    }

    /// <summary>Output axis d is input axis perm[d].</summary>
    private static Array64 Transpose(Array64 x, long[] perm)
    {
        var shape = perm.Select(p => x.Shape[p]).ToArray();
        var y = new double[x.Count];
        for (int o = 0; o < y.Length; o++)
        {
            var index = Unravel(o, shape);
            var source = new int[x.Shape.Length];
            for (int d = 0; d < perm.Length; d++)
            {
                source[perm[d]] = index[d];
            }

            y[o] = x.Data[Ravel(source, x.Shape)];
        }

        return new Array64(y, shape);
    }

    /// <summary>Positive steps only; starts and ends clamped to the axis.</summary>
    private static Array64 Slice(Array64 x, Array64?[] inputs)
    {
        int rank = x.Shape.Length;
        var starts = new int[rank];
        var steps = Enumerable.Repeat(1, rank).ToArray();
        var shape = x.Shape.ToArray();
        long[] axes = inputs.Length > 3 && inputs[3] is { } a ? a.Ints! : Enumerable.Range(0, inputs[1]!.Ints!.Length).Select(i => (long)i).ToArray();
        for (int i = 0; i < axes.Length; i++)
        {
            int axis = (int)(axes[i] < 0 ? axes[i] + rank : axes[i]);
            int size = x.Shape[axis];
            int step = inputs.Length > 4 && inputs[4] is { } s ? (int)s.Ints![i] : 1;
            if (step <= 0)
            {
                throw new NotSupportedException("the float64 oracle slices with positive steps only");
            }

            long begin = inputs[1]!.Ints![i], end = inputs[2]!.Ints![i];
            begin = Math.Clamp(begin < 0 ? begin + size : begin, 0, size);
            end = Math.Clamp(end < 0 ? end + size : end, 0, size);
            starts[axis] = (int)begin;
            steps[axis] = step;
            shape[axis] = (int)Math.Max(0, (end - begin + step - 1) / step);
        }

        var y = new double[CountOf(shape)];
        for (int o = 0; o < y.Length; o++)
        {
            var index = Unravel(o, shape);
            for (int d = 0; d < rank; d++)
            {
                index[d] = starts[d] + index[d] * steps[d];
            }

            y[o] = x.Data[Ravel(index, x.Shape)];
        }

        return new Array64(y, shape);
    }

    /// <summary>Output shape: data's axes before <c>axis</c>, the indices' shape, data's axes after; negative indices count from the end.</summary>
    private static Array64 Gather(Node node, Array64 x, Array64 indices)
    {
        int axis = (int)node.GetInt("axis", 0);
        axis = axis < 0 ? axis + x.Shape.Length : axis;
        int outer = CountOf(x.Shape[..axis]), size = x.Shape[axis], inner = CountOf(x.Shape[(axis + 1)..]);
        var picks = indices.Ints!;
        var y = new double[outer * picks.Length * inner];
        for (int a = 0; a < outer; a++)
        {
            for (int i = 0; i < picks.Length; i++)
            {
                long pick = picks[i] < 0 ? picks[i] + size : picks[i];
                for (int b = 0; b < inner; b++)
                {
                    y[(a * picks.Length + i) * inner + b] = x.Data[(a * size + pick) * inner + b];
                }
            }
        }

        return new Array64(y, [.. x.Shape[..axis], .. indices.Shape, .. x.Shape[(axis + 1)..]]);
    }

    private static Array64[] Split(Node node, Array64 x, Array64 sizes)
    {
        int axis = (int)node.GetInt("axis", 0);
        axis = axis < 0 ? axis + x.Shape.Length : axis;
        var results = new Array64[sizes.Ints!.Length];
        long start = 0;
        for (int k = 0; k < results.Length; k++)
        {
            var bounds = new Array64?[] { x, Ints(start), Ints(start + sizes.Ints[k]), Ints(axis) };
            results[k] = Slice(x, bounds);
            start += sizes.Ints[k];
        }

        return results;

        static Array64 Ints(long value) => new([], [1], [value]);
    }

    private static Array64 Concat(Node node, Array64?[] inputs)
    {
        var parts = inputs.Select(p => p!).ToArray();
        int axis = (int)node.GetInt("axis", 0);
        axis = axis < 0 ? axis + parts[0].Shape.Length : axis;
        var shape = parts[0].Shape.ToArray();
        shape[axis] = parts.Sum(p => p.Shape[axis]);
        var y = new double[CountOf(shape)];
        for (int o = 0; o < y.Length; o++)
        {
            var index = Unravel(o, shape);
            int k = 0;
            while (index[axis] >= parts[k].Shape[axis])
            {
                index[axis] -= parts[k].Shape[axis];
                k++;
            }

            y[o] = parts[k].Data[Ravel(index, parts[k].Shape)];
        }

        return new Array64(y, shape);
    }

    /// <summary>Nearest with coordinate_transformation_mode asymmetric and nearest_mode floor: input index ⌊output index / scale⌋.</summary>
    private static Array64 Resize(Node node, Array64 x, Array64 scales)
    {
        if (node.GetString("mode", "nearest") != "nearest" || node.GetString("coordinate_transformation_mode", "half_pixel") != "asymmetric"
            || node.GetString("nearest_mode", "round_prefer_floor") != "floor")
        {
            throw new NotSupportedException("the float64 oracle resizes with nearest, asymmetric, floor only");
        }

        var shape = x.Shape.Select((d, i) => (int)Math.Floor(d * scales.Data[i])).ToArray();
        var y = new double[CountOf(shape)];
        for (int o = 0; o < y.Length; o++)
        {
            var index = Unravel(o, shape);
            for (int d = 0; d < index.Length; d++)
            {
                index[d] = Math.Min(x.Shape[d] - 1, (int)Math.Floor(index[d] / scales.Data[d]));
            }

            y[o] = x.Data[Ravel(index, x.Shape)];
        }

        return new Array64(y, shape);
    }
}
