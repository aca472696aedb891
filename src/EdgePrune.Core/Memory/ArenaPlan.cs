using System.Globalization;
using System.Text;

namespace EdgePrune.Core.Memory;

/// <summary>
/// Where every activation buffer lives in the single static arena, and the arena's size
/// (<see cref="PeakBytes"/>, the highest end offset of any buffer). Produced by <see cref="ArenaPlanner"/>.
/// </summary>
public sealed record ArenaPlan(IReadOnlyList<PlannedBuffer> Buffers, long PeakBytes)
{
    /// <summary>The buffer named <paramref name="name"/>; throws when the plan has none.</summary>
    public PlannedBuffer this[string name] =>
        Buffers.FirstOrDefault(b => b.Name == name) ?? throw new KeyNotFoundException($"the arena plan has no buffer '{name}'");

    /// <summary>
    /// A debug dump, one line per buffer ordered by offset: offset, end, size in bytes, live steps, name.
    /// The first line gives the arena size. See docs/memory.md for how to read it.
    /// </summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"arena {PeakBytes} bytes, {Buffers.Count} buffers").AppendLine();
        foreach (var b in Buffers.OrderBy(b => b.Offset).ThenBy(b => b.FirstStep).ThenBy(b => b.Name, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{b.Offset,10} {b.End,10} {b.SizeBytes,10}  steps {b.FirstStep,4}..{b.LastStep,-4}  {b.Name}").AppendLine();
        }

        return text.ToString();
    }

    /// <summary>Every pair of buffers alive at a common step whose byte ranges intersect; empty for a correct plan.</summary>
    public IReadOnlyList<BufferOverlap> FindOverlaps()
    {
        var overlaps = new List<BufferOverlap>();
        for (int i = 0; i < Buffers.Count; i++)
        {
            for (int j = i + 1; j < Buffers.Count; j++)
            {
                if (Buffers[i].LivesDuringAnyStepOf(Buffers[j]) && Buffers[i].SharesBytesWith(Buffers[j]))
                {
                    overlaps.Add(new BufferOverlap(Buffers[i], Buffers[j]));
                }
            }
        }

        return overlaps;
    }
}
