namespace EdgePrune.Sensors.Inference;

/// <summary>
/// A model that scores one window. The window is time-major (<c>t * ChannelCount + c</c>), already normalized;
/// <c>scores</c> receives one probability per class, in <see cref="Classes"/> order. Implementations own their
/// buffers and must not keep the window span after returning. The device service plugs the <c>.epb</c> runtime in here.
/// </summary>
public interface IWindowClassifier
{
    IReadOnlyList<string> Classes { get; }

    int WindowLength { get; }

    int ChannelCount { get; }

    void Classify(ReadOnlySpan<float> window, Span<float> scores);
}
