using EdgePrune.Core.Ir;

namespace EdgePrune.Cli.Checking;

/// <summary>The result of running one model in EdgePrune and in ONNX Runtime on the same inputs.</summary>
/// <param name="InputsFile">The data file the inputs came from, or null when they were generated from <paramref name="Seed"/>.</param>
/// <param name="Inputs">The inputs' names and concrete types.</param>
public sealed record CheckReport(string Source, int Seed, string? InputsFile, IReadOnlyList<ValueInfo> Inputs, IReadOnlyList<OutputAgreement> Outputs)
{
    public bool Agrees => Outputs.All(o => o.Agrees);
}
