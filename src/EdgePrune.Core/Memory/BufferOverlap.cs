namespace EdgePrune.Core.Memory;

/// <summary>Two buffers that are alive at the same step and share arena bytes: a planning bug.</summary>
public sealed record BufferOverlap(PlannedBuffer First, PlannedBuffer Second)
{
    public override string ToString() =>
        $"'{First.Name}' [{First.Offset}, {First.End}) steps {First.FirstStep}..{First.LastStep} overlaps " +
        $"'{Second.Name}' [{Second.Offset}, {Second.End}) steps {Second.FirstStep}..{Second.LastStep}";
}
