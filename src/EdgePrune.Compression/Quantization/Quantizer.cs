using System.Collections.Immutable;
using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;
using EdgePrune.Core.Rewrites;

namespace EdgePrune.Compression.Quantization;

/// <summary>
/// Post-training quantization (docs/quantization.md): prepare the graph (RewritePipeline.Default folds
/// BatchNorm into the convolutions, shape inference), plan int8 steps, calibrate activation ranges on the given
/// samples, then quantize weights per channel and biases to int32.
/// </summary>
public static class Quantizer
{
    /// <param name="samples">Calibration samples, [N, input dims…] float (see <see cref="CalibrationData.ForInput"/>); null is an error saying what to pass.</param>
    public static QuantizedModel Quantize(Graph graph, Tensor? samples, QuantizationOptions options, Action<string>? progress = null)
    {
        if (samples is null)
        {
            throw new EdgePruneException("quantization needs calibration data to choose activation ranges: pass representative model inputs (.npy, .npz or IDX, first axis = samples), e.g. --calib samples/mnist/train-images.idx.gz");
        }

        var prepared = Prepare(graph);
        var steps = StepPlanner.Plan(prepared);
        string input = CalibrationData.SingleInput(prepared).Name;
        var tensors = new List<string> { input };
        tensors.AddRange(steps.Where(s => s.CalibratesOutput).Select(s => s.Output));
        progress?.Invoke($"calibrating {tensors.Count} tensors ({options.Calibration.Method}) on {Math.Min(samples.Shape[0], options.Calibration.MaxSamples)} samples");
        var calibration = Calibrator.Calibrate(prepared, samples, tensors, options.Calibration, progress);

        return options.Weights switch
        {
            WeightPrecision.Int8 => Build(prepared, steps, calibration, _ => 8),
            WeightPrecision.Int4 => Build(prepared, steps, calibration, _ => 4),
            _ => MixedPrecision.Choose(prepared, steps, calibration, samples, options, progress),
        };
    }

    /// <summary>
    /// The graph quantization works on: default rewrites (BatchNorm folding, constant folding, ...), inferred types, and
    /// run-time Reshape targets made constant where inference knows them (<see cref="FixDynamicReshapes"/>).
    /// </summary>
    public static Graph Prepare(Graph graph)
    {
        var inferred = ShapeInference.Infer(RewritePipeline.Default.Apply(graph), graph.Name);
        var fixedReshapes = new FixDynamicReshapes().Apply(inferred);
        return ReferenceEquals(fixedReshapes, inferred) ? inferred : ShapeInference.Infer(fixedReshapes, graph.Name);
    }

    /// <summary>Quantizes weights (to <paramref name="bitsOf"/>(node name) bits) and biases, with activation parameters from <paramref name="calibration"/>.</summary>
    public static QuantizedModel Build(Graph graph, IReadOnlyList<QuantizedStep> plan, CalibrationResult calibration, Func<string, int> bitsOf)
    {
        var activations = new Dictionary<string, TensorQuantization>(StringComparer.Ordinal);
        string input = CalibrationData.SingleInput(graph).Name;
        activations[input] = FromRange(calibration, input);
        var steps = new List<QuantizedStep>();
        foreach (var planned in plan)
        {
            var step = planned;
            foreach (var i in step.Inputs)
            {
                if (!activations.ContainsKey(i))
                {
                    throw new EdgePruneException($"{step.Node.Describe()}: input '{i}' is not an int8 value (it comes from neither the model input nor a quantized step)");
                }
            }

            var inputQuantization = activations[step.Inputs[0]];
            activations[step.Output] = step.Kind switch
            {
                StepKind.MaxPool or StepKind.Clamp or StepKind.Move => inputQuantization,
                StepKind.Softmax or StepKind.Sigmoid => TensorQuantization.Probability,
                _ => FromRange(calibration, step.Output),
            };
            if (step.Kind is StepKind.Conv or StepKind.FullyConnected)
            {
                step = WithWeights(graph, step, inputQuantization, bitsOf(step.Node.Name));
            }

            steps.Add(step);
        }

        return new QuantizedModel
        {
            Graph = graph,
            Steps = [.. steps],
            Activations = activations.ToImmutableDictionary(StringComparer.Ordinal),
            Calibration = calibration,
        };
    }

    private static TensorQuantization FromRange(CalibrationResult calibration, string name)
    {
        var range = calibration.Ranges[name];
        return TensorQuantization.Activation(range.Min, range.Max);
    }

    private static QuantizedStep WithWeights(Graph graph, QuantizedStep step, TensorQuantization input, int bits)
    {
        var node = step.Node;
        var w = graph.Initializers[node.Inputs[1]];
        float[] values = w.ToFloatArray();
        int axis = 0;
        float biasScale = 1;
        if (node.OpType == "Gemm")
        {
            axis = node.GetInt("transB", 0) != 0 ? 0 : 1;
            float alpha = node.GetFloat("alpha", 1f);
            biasScale = node.GetFloat("beta", 1f);
            if (alpha != 1f)
            {
                values = Array.ConvertAll(values, v => v * alpha);
            }
        }
        else if (node.OpType == "MatMul")
        {
            axis = 1;
        }

        var weights = QuantizedWeights.Symmetric(node.Inputs[1], values, w.Shape.ToArray(), axis, bits);
        int channels = weights.Channels;
        string? biasName = node.OptionalInput(2);
        if (biasName is null)
        {
            return step with { Weights = weights };
        }

        var bias = graph.Initializers.TryGetValue(biasName, out var b)
            ? b.ToFloatArray()
            : throw new EdgePruneException($"{node.Describe()}: bias '{biasName}' is not a constant initializer; int8 needs a constant bias");
        if (bias.Length == 1 && channels > 1)
        {
            bias = Enumerable.Repeat(bias[0], channels).ToArray();
        }

        if (bias.Length != channels)
        {
            throw new EdgePruneException($"{node.Describe()}: bias '{biasName}' has {bias.Length} values for {channels} output channels; only a per-channel bias is quantized");
        }

        var floatBias = Array.ConvertAll(bias, v => v * biasScale);
        var quantizedBias = new int[channels];
        for (int c = 0; c < channels; c++)
        {
            // The scale is the float32 product, as the QDQ file's DequantizeLinear applies it.
            float scale = BiasScale(input, weights.Quantization, c);
            double q = Math.Round(floatBias[c] / (double)scale, MidpointRounding.ToEven);
            quantizedBias[c] = (int)Math.Clamp(q, int.MinValue, int.MaxValue);
        }

        return step with { Weights = weights, Bias = quantizedBias };
    }

    /// <summary>s_in · s_w[c] in float32: the scale of the int32 bias and of the accumulator.</summary>
    public static float BiasScale(TensorQuantization input, TensorQuantization weights, int channel) => input.Scale * weights.Scales[channel];
}
