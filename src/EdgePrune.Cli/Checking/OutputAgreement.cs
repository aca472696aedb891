namespace EdgePrune.Cli.Checking;

/// <summary>
/// How closely EdgePrune's reference executor and ONNX Runtime agree on one output.
/// A difference involving NaN (other than NaN against NaN) or a shape mismatch counts as infinite.
/// </summary>
/// <param name="MaxAbsDiff">Largest |reference − onnxruntime| over the elements.</param>
/// <param name="MaxRelDiff">Largest |a − b| / max(|a|, |b|) over the elements (0 where both are 0).</param>
/// <param name="OutputRange">Max − min of ONNX Runtime's finite output values.</param>
/// <param name="Tolerance">Largest |diff| accepted: <see cref="ModelChecker.RelativeTolerance"/> · max(1, range).</param>
public sealed record OutputAgreement(
    string Name,
    int[] ReferenceShape,
    int[] OnnxRuntimeShape,
    double MaxAbsDiff,
    double MaxRelDiff,
    double OutputRange,
    double Tolerance)
{
    public bool Agrees => MaxAbsDiff <= Tolerance;
}
