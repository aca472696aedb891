using EdgePrune.Export.Epb;

namespace EdgePrune.Compression.Quantization;

/// <summary>
/// Hands a quantized model to the <c>.epb</c> writer: the same activation parameters, int8 weights and int32 biases
/// the integer executor uses, so the device runtime computes what the host predicted.
/// </summary>
public static class EpbQuantizationBuilder
{
    /// <param name="allowInt4">
    /// true passes 4-bit weights on in their int8 containers (values in [−8, 7]), which the writer then stores with the
    /// int4 encoding; the int8 kernels of both runtimes read them. False keeps the historical refusal of <c>quantize --epb</c>.
    /// </param>
    public static EpbQuantization From(QuantizedModel model, bool allowInt4 = false)
    {
        var epb = new EpbQuantization();
        foreach (var (name, quantization) in model.Activations)
        {
            epb.Activations[name] = Params(quantization);
        }

        foreach (var step in model.Steps)
        {
            if (step.Weights is { } weights)
            {
                if (weights.Bits != 8 && !(allowInt4 && weights.Bits == 4))
                {
                    throw new Core.EdgePruneException($"{step.Describe()}: the .epb int8 path takes 8-bit weights; this layer has {weights.Bits}-bit weights (quantize with --bits 8)");
                }

                epb.Weights[weights.Name] = new QuantizedWeight(weights.Values, weights.Shape, Params(weights.Quantization));
            }

            if (step.Bias is { } bias && step.Node.OptionalInput(2) is { Length: > 0 } biasName)
            {
                epb.Biases[biasName] = bias;
            }
        }

        return epb;
    }

    private static QuantParams Params(TensorQuantization quantization) =>
        new(quantization.Scales, quantization.ZeroPoints, quantization.Axis);
}
