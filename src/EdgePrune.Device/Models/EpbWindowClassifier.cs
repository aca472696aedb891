using EdgePrune.Runtime;
using EdgePrune.Sensors.Inference;

namespace EdgePrune.Device.Models;

/// <summary>
/// An <c>.epb</c> model as the window classifier: transposes the time-major window into the model's channel-major
/// input, runs the runtime (an int8 model quantizes and dequantizes at its edges) and turns the logits into
/// probabilities with a softmax. Owns its buffers; not thread-safe (one pipeline calls it).
/// </summary>
public sealed class EpbWindowClassifier : IWindowClassifier
{
    private readonly EpbModel _model;
    private readonly float[] _input;
    private readonly float[] _logits;

    public EpbWindowClassifier(EpbModel model, WindowSpec spec, string source)
    {
        int channels = spec.Channels.Count;
        if (model.Inputs.Count != 1 || model.Outputs.Count != 1 || model.Inputs[0].ElementCount != channels * spec.Length)
        {
            throw new DeviceConfigException($"{source}: the model takes {string.Join(" and ", model.Inputs.Select(i => "[" + string.Join(", ", i.Shape) + "]"))} but its window spec says {spec}; export it again with scripts/gesture-model.cs");
        }

        if (model.Labels.Count != model.Outputs[0].ElementCount)
        {
            throw new DeviceConfigException($"{source}: the model has {model.Outputs[0].ElementCount} outputs but {model.Labels.Count} class labels; export it with its labels");
        }

        _model = model;
        Spec = spec;
        Classes = model.Labels;
        _input = new float[channels * spec.Length];
        _logits = new float[model.Labels.Count];
    }

    public WindowSpec Spec { get; }

    public IReadOnlyList<string> Classes { get; }

    public int WindowLength => Spec.Length;

    public int ChannelCount => Spec.Channels.Count;

    /// <summary>Loads, validates (format, shapes, labels, window spec) and test-runs an <c>.epb</c> file's bytes.</summary>
    public static EpbWindowClassifier Load(ReadOnlySpan<byte> bytes, string source)
    {
        EpbModel model;
        try
        {
            model = EpbModel.Load(bytes);
        }
        catch (EpbFormatException e)
        {
            throw new DeviceConfigException($"{source}: not a valid .epb model: {e.Message}", e);
        }

        var classifier = new EpbWindowClassifier(model, WindowSpec.FromProducer(model.Producer, source), source);
        classifier.CheckRuns(source);
        return classifier;
    }

    public void Classify(ReadOnlySpan<float> window, Span<float> scores)
    {
        WindowLayout.ToChannelMajor(window, _input, Spec.Length, ChannelCount);
        _model.Run(_input, _logits);
        WindowLayout.Softmax(_logits, scores);
    }

    private void CheckRuns(string source)
    {
        var scores = new float[Classes.Count];
        Classify(new float[_input.Length], scores);
        if (!scores.All(float.IsFinite))
        {
            throw new DeviceConfigException($"{source}: the model gives non-finite scores on a zero window; it is not usable");
        }
    }
}
