using EdgePrune.Export.Epb;
using EdgePrune.Runtime.Format;

namespace EdgePrune.Compression.Quantization;

/// <summary>
/// The bytes one layer's quantized weights cost in the encoding the .epb writer (and so the C export) picks for them
/// (<see cref="WeightEncoder"/>, docs/format.md "Weight encodings"), plus its per-channel scales and int32 bias.
/// </summary>
public sealed record LayerStorage(string Layer, int Bits, int Elements, int NonZeros, int Channels, WeightEncoding Encoding, long WeightBytes, long ParameterBytes)
{
    public long TotalBytes => WeightBytes + ParameterBytes;

    /// <summary>Encodes <paramref name="weights"/> as the writer does: output channel first, int4 packing offered to 4-bit weights.</summary>
    public static LayerStorage Of(string layer, QuantizedWeights weights, bool hasBias)
    {
        int rows = weights.Channels;
        var channelMajor = ChannelMajor(weights);
        var raw = new byte[channelMajor.Length];
        Buffer.BlockCopy(channelMajor, 0, raw, 0, raw.Length);
        var encoded = WeightEncoder.Choose(raw, 1, rows, weights.Bits == 4 ? channelMajor : null, allowSparse: true);
        long parameters = 4L * rows * (hasBias ? 2 : 1);
        return new LayerStorage(layer, weights.Bits, channelMajor.Length, weights.NonZeroCount, rows, encoded.Encoding, encoded.Bytes, parameters);
    }

    /// <summary>Storage of every weighted step of <paramref name="model"/>.</summary>
    public static IReadOnlyList<LayerStorage> Of(QuantizedModel model) =>
        [.. model.Steps.Where(s => s.Weights is not null).Select(s => Of(s.Node.Name, s.Weights!, s.Bias is not null))];

    /// <summary>The values as a [channels, rest] matrix, the layout the writer encodes (a Gemm's [K, N] weights transposed).</summary>
    private static sbyte[] ChannelMajor(QuantizedWeights weights)
    {
        int axis = weights.Quantization.Axis;
        if (axis == 0)
        {
            return weights.Values;
        }

        int outer = weights.Shape[..axis].Aggregate(1, (a, b) => a * b);
        int channels = weights.Shape[axis];
        int inner = weights.Shape[(axis + 1)..].Aggregate(1, (a, b) => a * b);
        var result = new sbyte[weights.Values.Length];
        for (int o = 0; o < outer; o++)
        {
            for (int c = 0; c < channels; c++)
            {
                for (int i = 0; i < inner; i++)
                {
                    result[(c * outer + o) * inner + i] = weights.Values[(o * channels + c) * inner + i];
                }
            }
        }

        return result;
    }
}
