using System.Text;

namespace EdgePrune.Core.Tests.Data;

/// <summary>
/// Builds .npy files byte by byte as numpy's format.py lays them out, so tests do not depend on the reader
/// or writer under test: magic "\x93NUMPY", version, little-endian header length, header text, data.
/// </summary>
internal static class NpyBytes
{
    /// <summary>
    /// What np.save (numpy 1.21+) writes for a small array: a version 1.0 header whose dict is followed by
    /// 21 - len(str(shape[0])) "growth" spaces (none for a scalar), then spaces and '\n' up to byte 128.
    /// </summary>
    public static byte[] NumpyV1(string descr, string shapeRepr, int firstDimDigits, params byte[] data)
    {
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeRepr}, }}";
        string growth = shapeRepr == "()" ? "" : new string(' ', 21 - firstDimDigits);
        return WithHeader(1, dict + growth, 128, data);
    }

    /// <summary>A file with <paramref name="headerText"/> padded with spaces and '\n' so the data starts at <paramref name="dataOffset"/>.</summary>
    public static byte[] WithHeader(byte major, string headerText, int dataOffset, params byte[] data)
    {
        int prefix = major == 1 ? 10 : 12;
        int headerLength = dataOffset - prefix;
        if (headerText.Length + 1 > headerLength)
        {
            throw new ArgumentException("header does not fit before the data offset");
        }

        string padded = headerText + new string(' ', headerLength - headerText.Length - 1) + "\n";
        return Raw(major, Encoding.Latin1.GetBytes(padded), data);
    }

    /// <summary>Magic, version, the header length of exactly <paramref name="header"/>, the header, the data.</summary>
    public static byte[] Raw(byte major, byte[] header, byte[] data)
    {
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0 };
        if (major == 1)
        {
            bytes.Add((byte)(header.Length & 0xff));
            bytes.Add((byte)(header.Length >> 8));
        }
        else
        {
            bytes.AddRange([(byte)header.Length, (byte)(header.Length >> 8), (byte)(header.Length >> 16), (byte)(header.Length >> 24)]);
        }

        bytes.AddRange(header);
        bytes.AddRange(data);
        return bytes.ToArray();
    }
}
