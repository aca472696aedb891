using System.IO.Compression;
using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Tests.Data;

public class IdxTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("idx-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Two 2x3 "images", as in MNIST's train-images-idx3-ubyte: magic 0x00000803, dims 2, 2, 3 big-endian.
    private static readonly byte[] Images =
    [
        0x00, 0x00, 0x08, 0x03,
        0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
        0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255,
    ];

    [Fact]
    public void Reads_hand_built_ubyte_images()
    {
        Tensor t = Idx.Read(new MemoryStream(Images), "images");
        Assert.Equal(DataType.UInt8, t.DataType);
        Assert.Equal([2, 2, 3], t.Shape.ToArray());
        Assert.Equal(Images[16..], t.Span<byte>().ToArray());
    }

    public static TheoryData<byte, byte[], float[]> ElementTypes => new()
    {
        { 0x08, [0x00, 0xFF], [0f, 255f] },
        { 0x09, [0xFF, 0x7F], [-1f, 127f] },
        { 0x0B, [0x01, 0x2C, 0xFF, 0xFE], [300f, -2f] },
        { 0x0C, [0x00, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF], [65536f, -1f] },
        { 0x0D, [0x3F, 0xC0, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00], [1.5f, -2f] },
        { 0x0E, [0x3F, 0xF8, 0, 0, 0, 0, 0, 0, 0x3F, 0xD0, 0, 0, 0, 0, 0, 0], [1.5f, 0.25f] },
    };

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Reads_every_element_type_big_endian(byte code, byte[] data, float[] expected)
    {
        byte[] file = [0, 0, code, 1, 0, 0, 0, 2, .. data];
        Assert.Equal(expected, Idx.Read(new MemoryStream(file), "v").ToFloatArray());
    }

    [Fact]
    public void Gunzips_files_ending_in_gz()
    {
        string path = Path.Combine(_dir, "train-images-idx3-ubyte.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Optimal))
        {
            gz.Write(Images);
        }

        Assert.Equal(Images[16..], Idx.Read(path).Span<byte>().ToArray());
        Assert.Equal(Images[16..], DataFiles.Load(path).Span<byte>().ToArray());
    }

    public static TheoryData<string, byte[], string> BrokenFiles => new()
    {
        { "bad magic", [0x01, 0x00, 0x08, 0x01, 0, 0, 0, 0], "not an IDX file" },
        { "gzip without .gz", [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0], "gzip-compressed" },
        { "unknown type", [0, 0, 0x0A, 1, 0, 0, 0, 1, 0], "0x0a" },
        { "zero dims", [0, 0, 0x08, 0], "0 dimensions" },
        { "cut in magic", [0, 0], "truncated" },
        { "cut in dims", [0, 0, 0x08, 2, 0, 0, 0, 1, 0, 0], "truncated" },
        { "cut in data", [0, 0, 0x0C, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0], "truncated" },
        { "extra data", [0, 0, 0x08, 1, 0, 0, 0, 1, 5, 6], "unexpected bytes" },
        { "huge", [0, 0, 0x08, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "more elements" },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Broken_files_give_a_clear_error_naming_the_file(string caseName, byte[] bytes, string expectedText)
    {
        var e = Assert.Throws<EdgePruneException>(() => Idx.Read(new MemoryStream(bytes), "broken.idx"));
        Assert.StartsWith("broken.idx: ", e.Message);
        Assert.True(e.Message.Contains(expectedText, StringComparison.Ordinal), $"{caseName}: '{e.Message}' should mention '{expectedText}'");
    }

    [Fact]
    public void A_gz_name_on_data_that_is_not_gzip_is_a_clear_error()
    {
        string path = Path.Combine(_dir, "labels-idx1-ubyte.gz");
        File.WriteAllBytes(path, Images);
        var e = Assert.Throws<EdgePruneException>(() => Idx.Read(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains("gzip", e.Message);
    }
}
