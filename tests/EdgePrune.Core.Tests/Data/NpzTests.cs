using System.IO.Compression;
using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Tests.Data;

public class NpzTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("npz-tests-").FullName;

    // np.array([1.5, -2.0], dtype='<f4') and np.array([7], dtype='|u1') as np.save writes them.
    private static readonly byte[] FloatPair = NpyBytes.NumpyV1("<f4", "(2,)", 1, 0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0);
    private static readonly byte[] ByteSeven = NpyBytes.NumpyV1("|u1", "(1,)", 1, 7);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(CompressionLevel.NoCompression)]
    [InlineData(CompressionLevel.Optimal)]
    public void Reads_stored_and_deflated_archives_built_with_ZipArchive(CompressionLevel level)
    {
        string path = Path.Combine(_dir, "a.npz");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            AddMember(zip, "x.npy", FloatPair, level);
            AddMember(zip, "labels.npy", ByteSeven, level);
        }

        IReadOnlyDictionary<string, Tensor> arrays = Npz.Read(path);
        Assert.Equal(["labels", "x"], arrays.Keys.Order());
        Assert.Equal([1.5f, -2f], arrays["x"].Span<float>().ToArray());
        Assert.Equal([7], arrays["labels"].Span<byte>().ToArray());
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 8)]
    public void Writes_members_numpy_can_load_stored_or_deflated(bool compress, int expectedMethod)
    {
        string path = Path.Combine(_dir, "w.npz");
        Npz.Write(path, new Dictionary<string, Tensor>
        {
            ["x"] = Tensor.FromArray(new[] { 1.5f, -2f }, 2),
            ["labels"] = Tensor.FromArray(new byte[] { 7 }, 1),
        }, compress);

        byte[] file = File.ReadAllBytes(path);
        // ZIP local file header (APPNOTE 4.3.7): signature PK\3\4, compression method at offset 8.
        Assert.Equal([0x50, 0x4B, 0x03, 0x04], file[..4]);
        Assert.Equal(expectedMethod, file[8] | (file[9] << 8));
        using var zip = ZipFile.OpenRead(path);
        Assert.Equal(["labels.npy", "x.npy"], zip.Entries.Select(e => e.FullName).Order());
        Assert.Equal(FloatPair, ReadMember(zip, "x.npy"));
        Assert.Equal(ByteSeven, ReadMember(zip, "labels.npy"));
    }

    [Fact]
    public void Round_trips_and_is_byte_identical_when_written_twice()
    {
        var arrays = new Dictionary<string, Tensor>
        {
            ["w"] = Tensor.FromArray(new[] { 1L, -2L, 3L, 4L }, 2, 2),
            ["b"] = Tensor.FromArray(new[] { true, false }, 2),
        };
        string first = Path.Combine(_dir, "1.npz");
        string second = Path.Combine(_dir, "2.npz");
        Npz.Write(first, arrays, compress: true);
        Npz.Write(second, arrays, compress: true);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        var back = Npz.Read(first);
        Assert.Equal([1L, -2L, 3L, 4L], back["w"].Span<long>().ToArray());
        Assert.Equal([2, 2], back["w"].Shape.ToArray());
        Assert.Equal([true, false], back["b"].Span<bool>().ToArray());
    }

    [Fact]
    public void Not_a_zip_is_a_clear_error()
    {
        string path = Path.Combine(_dir, "bad.npz");
        File.WriteAllBytes(path, FloatPair);
        var e = Assert.Throws<EdgePruneException>(() => Npz.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not a valid .npz", e.Message);
    }

    [Fact]
    public void A_member_that_is_not_npy_is_a_clear_error()
    {
        string path = Path.Combine(_dir, "other.npz");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            AddMember(zip, "readme.txt", "hello"u8.ToArray(), CompressionLevel.NoCompression);
        }

        var e = Assert.Throws<EdgePruneException>(() => Npz.Read(path));
        Assert.Contains("'readme.txt' is not a .npy array", e.Message);
    }

    [Fact]
    public void A_broken_member_is_named_in_the_error()
    {
        string path = Path.Combine(_dir, "broken.npz");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            AddMember(zip, "x.npy", FloatPair[..^2], CompressionLevel.Optimal);
        }

        var e = Assert.Throws<EdgePruneException>(() => Npz.Read(path));
        Assert.StartsWith($"{path}[x.npy]: ", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    private static void AddMember(ZipArchive zip, string name, byte[] bytes, CompressionLevel level)
    {
        using Stream s = zip.CreateEntry(name, level).Open();
        s.Write(bytes);
    }

    private static byte[] ReadMember(ZipArchive zip, string name)
    {
        using Stream s = zip.GetEntry(name)!.Open();
        using var copy = new MemoryStream();
        s.CopyTo(copy);
        return copy.ToArray();
    }
}
