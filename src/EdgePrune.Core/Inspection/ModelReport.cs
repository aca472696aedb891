using EdgePrune.Core.Memory;

namespace EdgePrune.Core.Inspection;

/// <summary>
/// The cost of a model, per node and in total. Counts take symbolic dimensions as 1 (one sample per
/// run); each initializer is counted once, with the first node that reads it.
/// </summary>
/// <param name="WeightBytesByType">Weight bytes per ONNX element type name ("float", "int8").</param>
/// <param name="Arena">The activation arena plan; its <see cref="ArenaPlan.PeakBytes"/> is the model's peak RAM.</param>
/// <param name="Device">The budget verdict, when a device was given.</param>
public sealed record ModelReport(
    string Source,
    string GraphName,
    int Opset,
    IReadOnlyList<LayerReport> Layers,
    long TotalParameters,
    long TotalMacs,
    long TotalWeightBytes,
    long TotalActivationBytes,
    IReadOnlyDictionary<string, long> WeightBytesByType,
    ArenaPlan Arena,
    DeviceFit? Device)
{
    public long PeakArenaBytes => Arena.PeakBytes;
}
