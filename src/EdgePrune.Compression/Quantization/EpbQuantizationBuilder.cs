using EdgePrune.Export.Epb;

namespace EdgePrune.Compression.Quantization;

/// <summary>
/// Hands a quantized model to the <c>.epb</c> writer: the same activation parameters, int8 weights and int32 biases
/// the integer executor uses, so the device runtime computes what the host predicted.
/// </summary>
public static class EpbQuantizationBuilder
{
    /// <param name="allowInt4">
    /// Take 4-bit weights too. Their values lie in [−7, 7], so they travel in int8 containers and the writer packs them as
    /// int4 nibbles when that is the smallest encoding; the int8 kernels of both runtimes compute with them unchanged.
    /// Off by default, which keeps the refusal of <c>quantize --epb --bits 4</c>; <c>fit</c> and the C export ask for it.
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
