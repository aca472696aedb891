namespace EdgePrune.Device.Models;

/// <summary>The two conversions between a sensor window and a classifier's view of it.</summary>
public static class WindowLayout
{
    /// <summary>destination[c * length + t] = window[t * channels + c]: Sensors cuts time-major, conv1d-small reads [C, T].</summary>
    public static void ToChannelMajor(ReadOnlySpan<float> window, Span<float> destination, int length, int channels)
    {
        for (int t = 0; t < length; t++)
        {
            for (int c = 0; c < channels; c++)
            {
                destination[c * length + t] = window[t * channels + c];
            }
        }
    }

    /// <summary>destination[i] = exp(logits[i] - max) / Σ exp(logits[j] - max); the models end in logits, the smoother wants probabilities.</summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> destination)
    {
        float max = float.NegativeInfinity;
        foreach (float v in logits)
        {
            max = Math.Max(max, v);
        }

        float sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            destination[i] = MathF.Exp(logits[i] - max);
            sum += destination[i];
        }

        for (int i = 0; i < logits.Length; i++)
        {
            destination[i] /= sum;
        }
    }
}
