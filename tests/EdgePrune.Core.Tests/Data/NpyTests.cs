using System.Text;
using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Tests.Data;

public class NpyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("npy-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // np.save('a.npy', np.array([1, 2, 3], dtype='<i4')), written out in full: 128-byte header, then data.
    private static readonly byte[] Int32Arange =
    [
        0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00,
        .. "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }"u8,
        .. Enumerable.Repeat((byte)' ', 60),
        (byte)'\n',
        0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
    ];

    [Fact]
    public void Reads_the_exact_bytes_numpy_writes_for_an_int32_vector()
    {
        Assert.Equal(128 + 12, Int32Arange.Length);
        Tensor t = Npy.Read(Int32Arange, "a.npy");
        Assert.Equal(DataType.Int32, t.DataType);
        Assert.Equal([3], t.Shape.ToArray());
        Assert.Equal([1, 2, 3], t.Span<int>().ToArray());
    }

    [Fact]
    public void Writes_the_exact_bytes_numpy_writes_for_an_int32_vector()
    {
        Assert.Equal(Int32Arange, Npy.ToBytes(Tensor.FromArray(new[] { 1, 2, 3 }, 3)));
    }

    public static TheoryData<string, byte[], Tensor> EveryDtype => new()
    {
        { "<f4", [0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x80, 0x3E], Tensor.FromArray(new[] { 1.5f, -2f, 0.25f }, 3) },
        { "<f8", [0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0xD0, 0x3F], Tensor.FromArray(new[] { 1.5, -2.0, 0.25 }, 3) },
        { "<f2", [0x00, 0x3E, 0x00, 0xC0, 0x00, 0x34], Tensor.FromArray(new[] { (Half)1.5f, (Half)(-2f), (Half)0.25f }, 3) },
        { "|i1", [0xFF, 0x7F, 0x80], Tensor.FromArray(new sbyte[] { -1, 127, -128 }, 3) },
        { "|u1", [0x00, 0xFF, 0x07], Tensor.FromArray(new byte[] { 0, 255, 7 }, 3) },
        { "<i2", [0xFE, 0xFF, 0x2C, 0x01, 0x00, 0x80], Tensor.FromArray(new short[] { -2, 300, short.MinValue }, 3) },
        { "<u2", [0xFF, 0xFF, 0x01, 0x00, 0x00, 0x01], Tensor.FromArray(new ushort[] { 65535, 1, 256 }, 3) },
        { "<i4", [0xFF, 0xFF, 0xFF, 0xFF, 0x04, 0x03, 0x02, 0x01, 0, 0, 0, 0x80], Tensor.FromArray(new[] { -1, 0x01020304, int.MinValue }, 3) },
        { "<u4", [0xFF, 0xFF, 0xFF, 0xFF, 0x04, 0x03, 0x02, 0x01, 0, 0, 0, 0], Tensor.FromArray(new[] { uint.MaxValue, 0x01020304u, 0u }, 3) },
        { "<i8", [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0], Tensor.FromArray(new[] { -2L, 0x0102030405060708L, 0L }, 3) },
        { "<u8", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 8, 7, 6, 5, 4, 3, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0], Tensor.FromArray(new[] { ulong.MaxValue, 0x0102030405060708UL, 1UL }, 3) },
        { "|b1", [0x01, 0x00, 0x01], Tensor.FromArray(new[] { true, false, true }, 3) },
    };

    [Theory]
    [MemberData(nameof(EveryDtype))]
    public void Reads_hand_written_numpy_bytes_of_every_dtype(string descr, byte[] data, Tensor expected)
    {
        Tensor t = Npy.Read(NpyBytes.NumpyV1(descr, "(3,)", 1, data), "x.npy");
        AssertSame(expected, t);
    }

    [Theory]
    [MemberData(nameof(EveryDtype))]
    public void Writes_the_bytes_numpy_writes_for_every_dtype(string descr, byte[] data, Tensor tensor)
    {
        Assert.Equal(NpyBytes.NumpyV1(descr, "(3,)", 1, data), Npy.ToBytes(tensor));
    }

    [Fact]
    public void Matrix_and_scalar_headers_match_numpy()
    {
        byte[] matrix = NpyBytes.NumpyV1("<f4", "(2, 3)", 1, [.. Enumerable.Range(0, 6).SelectMany(i => BitConverter.GetBytes((float)i))]);
        Assert.Equal(matrix, Npy.ToBytes(Tensor.FromArray(new float[] { 0, 1, 2, 3, 4, 5 }, 2, 3)));
        Assert.Equal([2, 3], Npy.Read(matrix, "m.npy").Shape.ToArray());

        byte[] scalar = NpyBytes.NumpyV1("<f8", "()", 0, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F);
        Assert.Equal(scalar, Npy.ToBytes(Tensor.FromArray(new[] { 1.0 })));
        Tensor s = Npy.Read(scalar, "s.npy");
        Assert.Equal(0, s.Rank);
        Assert.Equal(1.0, s.Span<double>()[0]);

        // A first dimension of 1000 leaves 21 - 4 = 17 growth spaces.
        byte[] wide = NpyBytes.NumpyV1("|u1", "(1000,)", 4, new byte[1000]);
        Assert.Equal(wide, Npy.ToBytes(Tensor.Zeros(DataType.UInt8, 1000)));
    }

    [Fact]
    public void A_header_ending_exactly_on_the_64_byte_boundary_gets_64_more_spaces_like_numpy()
    {
        // 14 dims, two of them 10: the shape repr is 3*14 + 2 = 44 characters, the dict 53 + 44 = 97, plus
        // 20 growth spaces = 117; 10 + 117 + 1 = 128 is already aligned, and _wrap_header then pads
        // ARRAY_ALIGN - 0 = 64 spaces, so the data starts at 192, not 128.
        int[] dims = [1, 10, 10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
        string dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 10, 10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), }" + new string(' ', 20);
        Assert.Equal(117, dict.Length);
        byte[] expected = NpyBytes.WithHeader(1, dict, 192, new byte[100]);
        Assert.Equal(expected, Npy.ToBytes(Tensor.Zeros(DataType.UInt8, dims)));
        Assert.Equal(dims, Npy.Read(expected, "aligned.npy").Shape.ToArray());
    }

    [Fact]
    public void Reads_version_2_and_3_headers()
    {
        string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }" + new string(' ', 20);
        byte[] data = [0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0x40];
        foreach (byte major in new byte[] { 2, 3 })
        {
            Tensor t = Npy.Read(NpyBytes.WithHeader(major, dict, 128, data), $"v{major}.npy");
            Assert.Equal([1.5f, 2f], t.Span<float>().ToArray());
        }
    }

    [Fact]
    public void Reads_headers_of_older_numpy_and_python_2()
    {
        byte[] data = [0x00, 0x00, 0xC0, 0x3F];
        // numpy before 1.14 aligned to 16 bytes and wrote no growth spaces.
        Assert.Equal(1.5f, Npy.Read(NpyBytes.WithHeader(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 80, data), "old.npy").Span<float>()[0]);
        // Python 2 wrote shapes as longs.
        Assert.Equal([1, 1], Npy.Read(NpyBytes.WithHeader(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1L, 1L), }", 80, data), "py2.npy").Shape.ToArray());
        // Any key order, double quotes, no trailing comma.
        Assert.Equal([1], Npy.Read(NpyBytes.WithHeader(1, "{\"shape\": (1,), \"fortran_order\": False, \"descr\": \"<f4\"}", 80, data), "dq.npy").Shape.ToArray());
    }

    [Theory]
    [InlineData(">f4", new byte[] { 0x3F, 0xC0, 0x00, 0x00 }, 1.5f)]
    [InlineData(">f8", new byte[] { 0x3F, 0xF8, 0, 0, 0, 0, 0, 0 }, 1.5f)]
    [InlineData(">i2", new byte[] { 0x01, 0x2C }, 300f)]
    [InlineData(">i8", new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE }, -2f)]
    [InlineData(">u4", new byte[] { 0x00, 0x01, 0x00, 0x00 }, 65536f)]
    [InlineData("=f4", new byte[] { 0x00, 0x00, 0xC0, 0x3F }, 1.5f)]
    [InlineData(">u1", new byte[] { 0xFE }, 254f)]
    public void Converts_big_endian_and_native_order_to_values(string descr, byte[] data, float expected)
    {
        Tensor t = Npy.Read(NpyBytes.NumpyV1(descr, "(1,)", 1, data), "be.npy");
        Assert.Equal(expected, t.ToFloatArray()[0]);
    }

    [Fact]
    public void Round_trips_random_tensors_of_every_type_through_a_file()
    {
        var random = new Random(7);
        foreach (DataType type in new[] { DataType.Float, DataType.Double, DataType.Float16, DataType.Int8, DataType.UInt8, DataType.Int16, DataType.UInt16, DataType.Int32, DataType.UInt32, DataType.Int64, DataType.UInt64, DataType.Bool })
        {
            int[] shape = Enumerable.Range(0, random.Next(0, 4)).Select(_ => random.Next(0, 5)).ToArray();
            long count = Tensor.ElementCountOf(shape);
            byte[] raw = new byte[count * type.SizeInBytes()];
            random.NextBytes(raw);
            if (type == DataType.Bool)
            {
                raw = raw.Select(b => (byte)(b & 1)).ToArray();
            }

            Tensor original = Tensor.FromRawBytes(type, shape, raw);
            string path = Path.Combine(_dir, $"{type}.npy");
            Npy.Write(path, original);
            Tensor back = Npy.Read(path);
            Assert.Equal(type, back.DataType);
            Assert.Equal(shape, back.Shape.ToArray());
            Assert.Equal(raw, back.ToRawBytes());
        }
    }

    public static TheoryData<string, byte[], string> BrokenFiles => new()
    {
        { "bad magic", [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'X', 1, 0, 0, 0], "does not start with" },
        { "empty file", [], "does not start with" },
        { "cut in version", [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1], "truncated" },
        { "cut in header length", [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0, 0x10, 0], "truncated" },
        { "cut in header", NpyBytes.NumpyV1("<f4", "(1,)", 1, 0, 0, 0, 0)[..60], "truncated" },
        { "cut in data", NpyBytes.NumpyV1("<f4", "(3,)", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), "truncated" },
        { "extra data", NpyBytes.NumpyV1("<f4", "(1,)", 1, 0, 0, 0, 0, 0, 0), "unexpected bytes" },
        { "version 4", NpyBytes.WithHeader(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 128, 0, 0, 0, 0).Select((b, i) => i == 6 ? (byte)4 : b).ToArray(), "version 4.0" },
        { "fortran order", NpyBytes.WithHeader(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 128, new byte[16]), "np.ascontiguousarray" },
        { "object array", NpyBytes.WithHeader(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 128, new byte[16]), "Python objects" },
        { "complex", NpyBytes.WithHeader(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", 128, new byte[8]), "'<c8' is not supported" },
        { "unicode strings", NpyBytes.WithHeader(1, "{'descr': '<U5', 'fortran_order': False, 'shape': (1,), }", 128, new byte[20]), "not supported" },
        { "structured", NpyBytes.WithHeader(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", 128, new byte[4]), "structured" },
        { "no byte order on f4", NpyBytes.WithHeader(1, "{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }", 128, new byte[4]), "byte order" },
        { "missing key", NpyBytes.WithHeader(1, "{'descr': '<f4', 'shape': (1,), }", 128, new byte[4]), "missing 'fortran_order'" },
        { "extra key", NpyBytes.WithHeader(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", 128, new byte[4]), "unexpected 'x'" },
        { "duplicate key", NpyBytes.WithHeader(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", 128, new byte[4]), "appears twice" },
        { "negative dim", NpyBytes.WithHeader(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 128, new byte[4]), "non-negative" },
        { "float dim", NpyBytes.WithHeader(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1.0,), }", 128, new byte[4]), "only integers" },
        { "shape not a tuple", NpyBytes.WithHeader(1, "{'descr': '<f4', 'fortran_order': False, 'shape': [1], }", 128, new byte[4]), "tuple" },
        { "(1) is not a tuple", NpyBytes.WithHeader(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1), }", 128, new byte[4]), "tuple" },
        { "huge shape", NpyBytes.WithHeader(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }", 128, new byte[4]), "more elements" },
        { "huge integer", NpyBytes.WithHeader(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }", 128, new byte[4]), "too large" },
        { "fortran_order not bool", NpyBytes.WithHeader(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", 128, new byte[4]), "True or False" },
        { "code in header", NpyBytes.WithHeader(1, "__import__('os').system('x')", 128, new byte[4]), "unexpected character '_'" },
        { "name in header", NpyBytes.WithHeader(1, "{'descr': eval('x')}", 128, new byte[4]), "unexpected name 'eval'" },
        { "not a dict", NpyBytes.WithHeader(1, "('<f4', False, (1,))", 128, new byte[4]), "not a dictionary" },
        { "unclosed string", NpyBytes.WithHeader(1, "{'descr: '<f4'}", 128, new byte[4]), "cannot parse" },
        { "deep nesting", NpyBytes.WithHeader(1, new string('(', 100), 128, new byte[4]), "nests too deeply" },
        { "invalid utf8 in v3", NpyBytes.Raw(3, [0x7B, 0xFF, 0xFE, 0x7D, 0x0A], []), "UTF-8" },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Broken_files_give_a_clear_error_naming_the_file(string caseName, byte[] bytes, string expectedText)
    {
        var e = Assert.Throws<EdgePruneException>(() => Npy.Read(bytes, "broken.npy"));
        Assert.StartsWith("broken.npy: ", e.Message);
        Assert.True(e.Message.Contains(expectedText, StringComparison.Ordinal), $"{caseName}: '{e.Message}' should mention '{expectedText}'");
    }

    [Fact]
    public void One_dimensional_fortran_order_is_the_same_layout_and_is_read()
    {
        byte[] bytes = NpyBytes.WithHeader(1, "{'descr': '<i2', 'fortran_order': True, 'shape': (2,), }", 128, 1, 0, 2, 0);
        Assert.Equal([1, 2], Npy.Read(bytes, "f.npy").Span<short>().ToArray().Select(v => (int)v));
    }

    [Fact]
    public void Missing_file_is_a_clear_error()
    {
        string path = Path.Combine(_dir, "nope.npy");
        var e = Assert.Throws<EdgePruneException>(() => Npy.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Random_and_mutated_bytes_only_ever_raise_EdgePruneException()
    {
        var random = new Random(12345);
        byte[][] seeds =
        [
            Int32Arange,
            NpyBytes.NumpyV1("<f8", "(2, 3)", 1, new byte[48]),
            NpyBytes.WithHeader(2, "{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }", 128, new byte[6]),
        ];
        const string alphabet = "{}()[]'\",: -0123456789TrueFalsNonedscrptiha<>|=f4i8u1b\\x\n";
        for (int i = 0; i < 500; i++)
        {
            byte[] bytes = (i % 5) switch
            {
                0 => RandomBytes(random, random.Next(0, 200)),
                1 => NpyBytes.Raw((byte)random.Next(1, 4), Encoding.Latin1.GetBytes(new string(Enumerable.Range(0, random.Next(0, 120)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray())), RandomBytes(random, random.Next(0, 64))),
                2 => Truncate(random, seeds[random.Next(seeds.Length)]),
                _ => Mutate(random, seeds[random.Next(seeds.Length)]),
            };
            try
            {
                Npy.Read(bytes, $"fuzz-{i}.npy");
            }
            catch (EdgePruneException e)
            {
                Assert.StartsWith($"fuzz-{i}.npy: ", e.Message);
            }
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Truncate(Random random, byte[] bytes) => bytes[..random.Next(0, bytes.Length)];

    private static byte[] Mutate(Random random, byte[] bytes)
    {
        var copy = bytes.ToList();
        int edits = random.Next(1, 6);
        for (int e = 0; e < edits && copy.Count > 0; e++)
        {
            int at = random.Next(copy.Count);
            switch (random.Next(3))
            {
                case 0: copy[at] = (byte)random.Next(256); break;
                case 1: copy.RemoveAt(at); break;
                default: copy.Insert(at, (byte)random.Next(256)); break;
            }
        }

        return copy.ToArray();
    }

    private static void AssertSame(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.DataType, actual.DataType);
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        Assert.Equal(expected.ToRawBytes(), actual.ToRawBytes());
    }
}
