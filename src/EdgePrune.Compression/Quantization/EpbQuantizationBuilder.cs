using EdgePrune.Export.Epb;

namespace EdgePrune.Compression.Quantization;

/// <summary>
/// Hands a quantized model to the <c>.epb</c> writer: the same activation parameters, int8 weights and int32 biases
/// the integer executor uses, so the device runtime computes what the host predicted.
/// </summary>
public static class EpbQuantizationBuilder
{
    public static EpbQuantization From(QuantizedModel model)
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
                if (weights.Bits != 8)
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
