using System.IO.Compression;
using EdgePrune.Core.IO;
using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Data;

/// <summary>
/// NumPy's <c>.npz</c> archives (<c>np.savez</c>, <c>np.savez_compressed</c>): a ZIP file whose members are
/// <c>&lt;key&gt;.npy</c> files, stored or deflated. Keys are the member names without ".npy", as in
/// <c>np.load(path).files</c>.
/// </summary>
public static class Npz
{
    // Fixed member timestamps keep the archive byte-identical for the same arrays (ZIP's epoch is 1980).
    private static readonly DateTimeOffset MemberTimestamp = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static IReadOnlyDictionary<string, Tensor> Read(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var archive = new ZipArchive(file, ZipArchiveMode.Read);
            var arrays = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (ZipArchiveEntry entry in archive.Entries)
            {
                if (entry.FullName.EndsWith('/'))
                {
                    continue;
                }

                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                {
                    throw new EdgePruneException($"{path}: member '{entry.FullName}' is not a .npy array; an .npz file holds only <name>.npy members");
                }

                string key = entry.FullName[..^".npy".Length];
                string source = $"{path}[{entry.FullName}]";
                if (arrays.ContainsKey(key))
                {
                    throw new EdgePruneException($"{path}: the array '{key}' is stored twice");
                }

                arrays.Add(key, Npy.Read(ReadMember(entry, source), source));
            }

            return arrays;
        }
        catch (InvalidDataException e)
        {
            throw new EdgePruneException($"{path}: not a valid .npz (ZIP) archive ({e.Message})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgePruneException($"{path}: cannot read the .npz file ({e.Message})", e);
        }
    }

    /// <summary>
    /// Writes the arrays as <c>&lt;key&gt;.npy</c> members, atomically: stored like <c>np.savez</c>, or deflated
    /// like <c>np.savez_compressed</c> when <paramref name="compress"/> is set.
    /// </summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> arrays, bool compress = false)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        foreach (string key in arrays.Keys)
        {
            if (key.Length == 0 || key.EndsWith('/') || key.Contains('\\'))
            {
                throw new EdgePruneException($"{path}: '{key}' cannot name an array in an .npz file (it must be non-empty, without '\\' and not end in '/')");
            }
        }

        AtomicFile.Write(path, stream =>
        {
            using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            foreach ((string key, Tensor tensor) in arrays)
            {
                ZipArchiveEntry entry = archive.CreateEntry(key + ".npy", compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                entry.LastWriteTime = MemberTimestamp;
                using Stream member = entry.Open();
                member.Write(Npy.ToBytes(tensor));
            }
        });
    }

    private static byte[] ReadMember(ZipArchiveEntry entry, string source)
    {
        if (entry.Length > Array.MaxLength)
        {
            throw new EdgePruneException($"{source}: the member is {entry.Length} bytes, more than EdgePrune can hold in memory");
        }

        var bytes = new byte[entry.Length];
        using Stream member = entry.Open();
        try
        {
            member.ReadExactly(bytes);
        }
        catch (EndOfStreamException e)
        {
            throw new EdgePruneException($"{source}: the member is shorter than its recorded size of {entry.Length} bytes; the archive is corrupt", e);
        }

        return bytes;
    }
}
