using EdgePrune.Core;
using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Pruning.Criteria;

/// <summary>
/// The inputs each weight of a layer multiplies, as rows of a matrix whose columns follow <see cref="WeightMatrix"/>'s
/// input order: for Gemm/MatMul one row per sample; for Conv one row per sample and output position, its columns the
/// receptive field (im2col), kernel position major and channel fastest. Activations come from the dense graph run on
/// the calibration samples by the reference executor.
/// </summary>
public static class LayerInputs
{
    /// <summary>Every value of <paramref name="graph"/> on the calibration batch (graph inputs included).</summary>
    public static IReadOnlyDictionary<string, Tensor> Activations(Graph graph, Tensor calibration)
    {
        var inputs = graph.Inputs.Where(i => !graph.Initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
        {
            throw new EdgePruneException($"calibration data feeds a model with one input; '{graph.Name}' has {inputs.Count}");
        }

        var feeds = new Dictionary<string, Tensor> { [inputs[0].Name] = calibration };
        var values = new Dictionary<string, Tensor>(ReferenceExecutor.Run(graph, feeds, keepIntermediates: true), StringComparer.Ordinal)
        {
            [inputs[0].Name] = calibration,
        };
        return values;
    }

    /// <summary>Calls <paramref name="row"/> once per row of the layer's input matrix; the span is reused between calls.</summary>
    public static void ForEachRow(WeightMatrix layer, IReadOnlyDictionary<string, Tensor> activations, Action<ReadOnlySpan<float>> row)
    {
        var node = layer.Node;
        var x = activations[node.Inputs[0]];
        var data = x.ToFloatArray();
        if (node.OpType != "Conv")
        {
            if (node.OpType == "Gemm" && node.GetInt("transA", 0) != 0)
            {
                throw new EdgePruneException($"{node.Describe()}: data-aware criteria need transA = 0");
            }

            for (int start = 0; start + layer.Inputs <= data.Length; start += layer.Inputs)
            {
                row(data.AsSpan(start, layer.Inputs));
            }

            return;
        }

        ForEachPatch(node, layer, x.Shape.ToArray(), data, row);
    }

    private static void ForEachPatch(Node node, WeightMatrix layer, int[] shape, float[] data, Action<ReadOnlySpan<float>> row)
    {
        if (node.GetInt("group", 1) != 1 || node.GetString("auto_pad", "NOTSET") != "NOTSET" || shape.Length is not (3 or 4))
        {
            throw new EdgePruneException($"{node.Describe()}: data-aware criteria handle 1-D and 2-D Conv with one group and explicit pads; use --criterion magnitude");
        }

        bool twoD = shape.Length == 4;
        int batch = shape[0], channels = shape[1], height = twoD ? shape[2] : 1, width = shape[^1];
        var w = layer.Weights.Shape;
        int kh = twoD ? w[2] : 1, kw = w[^1];
        long[] pads = node.GetInts("pads") ?? new long[twoD ? 4 : 2];
        long[] strides = node.GetInts("strides") ?? (twoD ? [1, 1] : [1]);
        long[] dilations = node.GetInts("dilations") ?? (twoD ? [1, 1] : [1]);
        int padTop = twoD ? (int)pads[0] : 0, padLeft = (int)pads[twoD ? 1 : 0];
        int padBottom = twoD ? (int)pads[2] : 0, padRight = (int)pads[twoD ? 3 : 1];
        int strideH = twoD ? (int)strides[0] : 1, strideW = (int)strides[^1];
        int dilationH = twoD ? (int)dilations[0] : 1, dilationW = (int)dilations[^1];
        int outH = (height + padTop + padBottom - dilationH * (kh - 1) - 1) / strideH + 1;
        int outW = (width + padLeft + padRight - dilationW * (kw - 1) - 1) / strideW + 1;
        var patch = new float[layer.Inputs];
        for (int n = 0; n < batch; n++)
        {
            for (int oh = 0; oh < outH; oh++)
            {
                for (int ow = 0; ow < outW; ow++)
                {
                    for (int i = 0; i < kh; i++)
                    {
                        int h = oh * strideH - padTop + i * dilationH;
                        for (int j = 0; j < kw; j++)
                        {
                            int v = ow * strideW - padLeft + j * dilationW;
                            int column = (i * kw + j) * channels;
                            bool inside = h >= 0 && h < height && v >= 0 && v < width;
                            for (int c = 0; c < channels; c++)
                            {
                                patch[column + c] = inside ? data[((n * channels + c) * height + h) * width + v] : 0f;
                            }
                        }
                    }

                    row(patch);
                }
            }
        }
    }
}
