using EdgePrune.Core.Ir;

namespace EdgePrune.Cli.Checking;

/// <summary>The result of running one model in EdgePrune and in ONNX Runtime on the same generated inputs.</summary>
/// <param name="Inputs">The generated inputs' names and concrete types.</param>
public sealed record CheckReport(string Source, int Seed, IReadOnlyList<ValueInfo> Inputs, IReadOnlyList<OutputAgreement> Outputs)
{
    public bool Agrees => Outputs.All(o => o.Agrees);
}
