using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Tests.Data;

public class CsvTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("csv-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string text, string name = "d.csv")
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Detects_a_header_and_reads_rows()
    {
        Tensor t = Csv.Read(Write("a,b,c\n1,2.5,-3\n4e2,0.125,6\n"));
        Assert.Equal([2, 3], t.Shape.ToArray());
        Assert.Equal([1f, 2.5f, -3f, 400f, 0.125f, 6f], t.Span<float>().ToArray());
    }

    [Fact]
    public void Without_a_header_every_line_is_data()
    {
        Tensor t = Csv.Read(Write("1,2\r\n3,4\r\n\r\n5,6"));
        Assert.Equal([3, 2], t.Shape.ToArray());
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], t.Span<float>().ToArray());
    }

    [Fact]
    public void A_forced_header_skips_a_numeric_first_line()
    {
        Tensor t = Csv.Read(Write("0,1\n3,4\n"), hasHeader: true);
        Assert.Equal([3f, 4f], t.Span<float>().ToArray());
    }

    [Fact]
    public void Forbidding_a_header_makes_a_text_first_line_an_error()
    {
        var e = Assert.Throws<EdgePruneException>(() => Csv.Read(Write("x,y\n3,4\n"), hasHeader: false));
        Assert.Contains("line 1, column 1: 'x' is not a number", e.Message);
    }

    [Fact]
    public void Quoted_fields_nan_inf_and_a_byte_order_mark_are_understood()
    {
        Tensor t = Csv.Read(Write("\uFEFF\"name, with comma\",\"b \"\"q\"\"\"\n\"1.5\", nan\n-inf , inf\n"));
        float[] v = t.Span<float>().ToArray();
        Assert.Equal([2, 2], t.Shape.ToArray());
        Assert.Equal(1.5f, v[0]);
        Assert.True(float.IsNaN(v[1]));
        Assert.Equal(float.NegativeInfinity, v[2]);
        Assert.Equal(float.PositiveInfinity, v[3]);
    }

    [Fact]
    public void A_ragged_row_names_its_line()
    {
        string path = Write("a,b\n1,2\n3\n");
        var e = Assert.Throws<EdgePruneException>(() => Csv.Read(path));
        Assert.Equal($"{path}: line 3 has 1 fields, but line 1 has 2; every row needs the same number of columns", e.Message);
    }

    [Theory]
    [InlineData("1,2\n3,4x\n", "line 2, column 2: '4x' is not a number")]
    [InlineData("1,2\n3,1,5\n", "line 2 has 3 fields")]
    [InlineData("1,2\n3,\n", "line 2, column 2: is empty")]
    [InlineData("1,2\n3,\"4\n", "line 2, column 2: a quoted field is not closed")]
    [InlineData("1,2\n3,\"4\"x\n", "unexpected text after a quoted field")]
    [InlineData("1;2\n3,5\n", "line 2 has 2 fields, but line 1 has 1")]
    [InlineData("1,2\n3,4,5\n", "line 2 has 3 fields")]
    [InlineData("a,b\n", "no data rows")]
    [InlineData("", "no data rows")]
    [InlineData("1,2\n1,5\n\n3,1,5\n", "line 4 has 3 fields")]
    public void Bad_files_give_errors_naming_line_and_column(string text, string expected)
    {
        string path = Write(text);
        var e = Assert.Throws<EdgePruneException>(() => Csv.Read(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_comma_decimal_is_not_silently_misread()
    {
        var e = Assert.Throws<EdgePruneException>(() => Csv.Read(Write("x\n\"1,5\"\n")));
        Assert.Contains("'1,5' is not a number", e.Message);
    }
}
