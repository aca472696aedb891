namespace EdgePrune.Core.Memory;

/// <summary>A buffer with its place in the arena: bytes [<see cref="Offset"/>, <see cref="End"/>) during steps [FirstStep, LastStep].</summary>
public sealed record PlannedBuffer(string Name, long Offset, long SizeBytes, int FirstStep, int LastStep)
{
    public long End => Offset + SizeBytes;

    public bool LivesDuringAnyStepOf(PlannedBuffer other) => FirstStep <= other.LastStep && other.FirstStep <= LastStep;

    /// <summary>True when the two byte ranges share at least one byte (empty buffers share none).</summary>
    public bool SharesBytesWith(PlannedBuffer other) => Offset < other.End && other.Offset < End;
}
