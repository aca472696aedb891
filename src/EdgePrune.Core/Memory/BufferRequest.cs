namespace EdgePrune.Core.Memory;

/// <summary>
/// One activation buffer to place in the arena: its size in bytes and the inclusive range of execution
/// steps (node indices in topological order) during which it must hold its value.
/// </summary>
public sealed record BufferRequest(string Name, long SizeBytes, int FirstStep, int LastStep);
