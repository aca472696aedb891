using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Tests.Data;

public class DataFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("datafiles-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly byte[] OneByteIdx = [0, 0, 0x08, 1, 0, 0, 0, 1, 42];

    [Theory]
    [InlineData("t10k-labels-idx1-ubyte")]
    [InlineData("train-images.idx3-ubyte")]
    [InlineData("x.idx")]
    [InlineData("X.IDX1")]
    public void Idx_names_are_recognised(string name)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, OneByteIdx);
        Assert.Equal([42], DataFiles.Load(path).Span<byte>().ToArray());
    }

    [Fact]
    public void Npy_and_csv_are_read_by_extension()
    {
        string npy = Path.Combine(_dir, "a.NPY");
        File.WriteAllBytes(npy, NpyBytes.NumpyV1("|u1", "(1,)", 1, 9));
        Assert.Equal([9], DataFiles.Load(npy).Span<byte>().ToArray());

        string csv = Path.Combine(_dir, "a.csv");
        File.WriteAllText(csv, "1,2\n");
        Assert.Equal([1f, 2f], DataFiles.Load(csv).Span<float>().ToArray());
    }

    [Fact]
    public void Npz_needs_an_array_name_when_it_holds_several()
    {
        string path = Path.Combine(_dir, "d.npz");
        Npz.Write(path, new Dictionary<string, Tensor>
        {
            ["x"] = Tensor.FromArray(new[] { 1f }, 1),
            ["y"] = Tensor.FromArray(new[] { 2f }, 1),
        });
        var e = Assert.Throws<EdgePruneException>(() => DataFiles.Load(path));
        Assert.Contains("holds 2 arrays ('x', 'y')", e.Message);
        Assert.Equal([2f], DataFiles.Load(path, "y").Span<float>().ToArray());
        Assert.Contains("no array named 'z'", Assert.Throws<EdgePruneException>(() => DataFiles.Load(path, "z")).Message);
    }

    [Theory]
    [InlineData("model.onnx", "unknown data file type '.onnx'")]
    [InlineData("data.csv.gz", "only IDX files are read gzip-compressed")]
    [InlineData("noextension", "unknown data file type ''")]
    [InlineData("data.json.gz", "unknown data file type '.json.gz'")]
    public void Unknown_or_unsupported_names_are_a_clear_error(string name, string expected)
    {
        string path = Path.Combine(_dir, name);
        var e = Assert.Throws<EdgePruneException>(() => DataFiles.Load(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void An_array_name_for_a_single_array_format_is_an_error()
    {
        var e = Assert.Throws<EdgePruneException>(() => DataFiles.Load(Path.Combine(_dir, "a.npy"), "x"));
        Assert.Contains("only applies to .npz", e.Message);
    }
}
