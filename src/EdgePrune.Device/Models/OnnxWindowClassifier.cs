using EdgePrune.Sensors.Inference;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgePrune.Device.Models;

/// <summary>
/// The same model's ONNX file run by ONNX Runtime (<c>--engine onnxruntime</c>): window spec and labels from the
/// file's metadata properties. Owns its session; dispose it.
/// </summary>
public sealed class OnnxWindowClassifier : IWindowClassifier, IDisposable
{
    private const string LabelsKey = "edgeprune.labels";
    private readonly InferenceSession _session;
    private readonly float[] _input;
    private readonly DenseTensor<float> _tensor;
    private readonly string _inputName;

    private OnnxWindowClassifier(InferenceSession session, WindowSpec spec, IReadOnlyList<string> classes)
    {
        _session = session;
        Spec = spec;
        Classes = classes;
        _input = new float[spec.Channels.Count * spec.Length];
        _tensor = new DenseTensor<float>(_input, [1, spec.Channels.Count, spec.Length]);
        _inputName = session.InputNames[0];
    }

    public WindowSpec Spec { get; }

    public IReadOnlyList<string> Classes { get; }

    public int WindowLength => Spec.Length;

    public int ChannelCount => Spec.Channels.Count;

    public static OnnxWindowClassifier Load(string path)
    {
        InferenceSession session;
        try
        {
            session = new InferenceSession(File.ReadAllBytes(path), new SessionOptions { IntraOpNumThreads = 1 });
        }
        catch (OnnxRuntimeException e)
        {
            throw new DeviceConfigException($"{path}: ONNX Runtime cannot load it: {e.Message}", e);
        }

        var metadata = session.ModelMetadata.CustomMetadataMap;
        if (!metadata.TryGetValue(WindowSpec.MetadataKey, out string? json) || !metadata.TryGetValue(LabelsKey, out string? labels))
        {
            session.Dispose();
            throw new DeviceConfigException($"{path}: the ONNX model lacks the '{WindowSpec.MetadataKey}' and '{LabelsKey}' metadata; use the gesture.onnx written by scripts/gesture-model.cs");
        }

        return new OnnxWindowClassifier(session, WindowSpec.FromJson(json, path), labels.Split(','));
    }

    public void Classify(ReadOnlySpan<float> window, Span<float> scores)
    {
        WindowLayout.ToChannelMajor(window, _input, Spec.Length, ChannelCount);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(_inputName, _tensor)]);
        var logits = results[0].AsEnumerable<float>().ToArray();
        WindowLayout.Softmax(logits, scores);
    }

    public void Dispose() => _session.Dispose();
}
