using System.Buffers.Binary;
using System.IO.Compression;
using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Data;

/// <summary>
/// The IDX format of the MNIST database (yann.lecun.com/exdb/mnist, "FILE FORMATS FOR THE MNIST DATABASE"):
/// two zero bytes, an element-type code, the number of dimensions, each dimension as a big-endian uint32,
/// then the data in row-major order, big-endian. Files whose name ends in ".gz" are gunzipped on the fly.
/// </summary>
public static class Idx
{
    public static Tensor Read(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            {
                using var gunzip = new GZipStream(file, CompressionMode.Decompress);
                return Read(gunzip, path);
            }

            return Read(file, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgePruneException($"{path}: cannot read the IDX file ({e.Message})", e);
        }
    }

    /// <summary>Reads one IDX file from <paramref name="stream"/> (already decompressed); <paramref name="sourceName"/> names it in errors.</summary>
    public static Tensor Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            Span<byte> magic = stackalloc byte[4];
            ReadExactly(stream, magic, sourceName, "the 4-byte magic number");
            if (magic[0] != 0 || magic[1] != 0)
            {
                throw new EdgePruneException(
                    $"{sourceName}: not an IDX file (it starts with 0x{magic[0]:x2}{magic[1]:x2} instead of 0x0000)"
                    + (magic[0] == 0x1f && magic[1] == 0x8b ? "; it is gzip-compressed, so give it a name ending in .gz" : ""));
            }

            (DataType dataType, string typeName) = magic[2] switch
            {
                0x08 => (DataType.UInt8, "unsigned byte"),
                0x09 => (DataType.Int8, "signed byte"),
                0x0B => (DataType.Int16, "short"),
                0x0C => (DataType.Int32, "int"),
                0x0D => (DataType.Float, "float"),
                0x0E => (DataType.Double, "double"),
                _ => throw new EdgePruneException($"{sourceName}: unknown IDX element type code 0x{magic[2]:x2} (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)"),
            };

            int rank = magic[3];
            if (rank == 0)
            {
                throw new EdgePruneException($"{sourceName}: the IDX header declares 0 dimensions");
            }

            var shape = new int[rank];
            Span<byte> dimBytes = stackalloc byte[4];
            long count = 1;
            for (int i = 0; i < rank; i++)
            {
                ReadExactly(stream, dimBytes, sourceName, $"dimension {i} of the header");
                uint dim = BinaryPrimitives.ReadUInt32BigEndian(dimBytes);
                count *= dim;
                if (dim > Array.MaxLength || count > Array.MaxLength)
                {
                    throw new EdgePruneException($"{sourceName}: the IDX shape has more elements than EdgePrune can hold in memory (dimension {i} is {dim})");
                }

                shape[i] = (int)dim;
            }

            int size = dataType.SizeInBytes();
            if (count * size > Array.MaxLength)
            {
                throw new EdgePruneException($"{sourceName}: the IDX data ({count} {typeName} values) is larger than EdgePrune can hold in memory");
            }

            var data = new byte[count * size];
            ReadExactly(stream, data, sourceName, $"the data ({count} {typeName} values for shape {Tensor.FormatShape(shape)})");
            if (stream.ReadByte() != -1)
            {
                throw new EdgePruneException($"{sourceName}: unexpected bytes after the data of shape {Tensor.FormatShape(shape)}; the file may be corrupt");
            }

            if (size > 1)
            {
                for (int offset = 0; offset < data.Length; offset += size)
                {
                    data.AsSpan(offset, size).Reverse();
                }
            }

            return Tensor.FromRawBytes(dataType, shape, data);
        }
        catch (InvalidDataException e)
        {
            throw new EdgePruneException($"{sourceName}: the gzip data is corrupt ({e.Message})", e);
        }
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string source, string what)
    {
        int read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length)
        {
            throw new EdgePruneException($"{source}: the IDX file is truncated: it ends inside {what} ({read} of {buffer.Length} bytes present)");
        }
    }
}
