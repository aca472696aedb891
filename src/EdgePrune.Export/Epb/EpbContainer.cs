using System.Text;
using EdgePrune.Runtime.Format;

namespace EdgePrune.Export.Epb;

/// <summary>The outer layer of the file: header, section table, sections at 16-byte boundaries, CRC-32s (docs/format.md "Container").</summary>
public static class EpbContainer
{
    public static byte[] Assemble(IReadOnlyList<(SectionKind Kind, byte[] Bytes)> sections)
    {
        int tableEnd = EpbLayout.HeaderBytes + (sections.Count * EpbLayout.SectionEntryBytes);
        var offsets = new long[sections.Count];
        long position = EpbLayout.AlignUp((long)tableEnd, EpbLayout.SectionAlignment);
        for (int i = 0; i < sections.Count; i++)
        {
            offsets[i] = position;
            position = EpbLayout.AlignUp(position + sections[i].Bytes.Length, EpbLayout.SectionAlignment);
        }

        var file = new byte[position];
        var w = new BinaryWriter(new MemoryStream(file));
        w.Write(EpbLayout.Magic);
        w.Write(EpbLayout.MajorVersion);
        w.Write(EpbLayout.MinorVersionFor(sections.Select(s => s.Kind)));
        w.Write((uint)sections.Count);
        w.Write((ulong)file.Length);
        w.Write(0u);
        w.Write(0u);
        for (int i = 0; i < sections.Count; i++)
        {
            w.Write((uint)sections[i].Kind);
            w.Write(0u);
            w.Write((ulong)offsets[i]);
            w.Write((ulong)sections[i].Bytes.Length);
            w.Write(Crc32.Compute(sections[i].Bytes));
            w.Write(0u);
            sections[i].Bytes.CopyTo(file, offsets[i]);
        }

        BitConverter.TryWriteBytes(file.AsSpan(24, 4), Crc32.Compute(file.AsSpan(0, tableEnd)));
        return file;
    }

    /// <summary>Recomputes every section CRC and the header CRC (used by tests that craft hostile but checksummed files).</summary>
    public static void Reseal(byte[] file)
    {
        int count = (int)Math.Min(BitConverter.ToUInt32(file, 12), 64);
        int tableEnd = EpbLayout.HeaderBytes + (count * EpbLayout.SectionEntryBytes);
        if (tableEnd > file.Length)
        {
            return;
        }

        for (int i = 0; i < count; i++)
        {
            int entry = EpbLayout.HeaderBytes + (i * EpbLayout.SectionEntryBytes);
            ulong offset = BitConverter.ToUInt64(file, entry + 8), length = BitConverter.ToUInt64(file, entry + 16);
            if (offset <= (ulong)file.Length && length <= (ulong)file.Length - offset)
            {
                BitConverter.TryWriteBytes(file.AsSpan(entry + 24, 4), Crc32.Compute(file.AsSpan((int)offset, (int)length)));
            }
        }

        file.AsSpan(24, 4).Clear();
        BitConverter.TryWriteBytes(file.AsSpan(24, 4), Crc32.Compute(file.AsSpan(0, tableEnd)));
    }

    internal static void WriteString(BinaryWriter w, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > ushort.MaxValue)
        {
            throw new Core.EdgePruneException($"name '{value[..40]}...' is longer than the .epb limit of 65535 UTF-8 bytes");
        }

        w.Write((ushort)bytes.Length);
        w.Write(bytes);
    }
}
