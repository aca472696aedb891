using EdgePrune.Core.Inspection;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Core.Ops;
using EdgePrune.TestSupport;
using Google.Protobuf;
using P = EdgePrune.Core.Onnx.Proto;

namespace EdgePrune.Core.Tests.Onnx;

/// <summary>
/// Feeds seeded mutations of real ONNX files to the importer, and what loads to the inspector (shape
/// inference, MAC counts, arena planning). The oracle is their contract: every input either succeeds or
/// throws <see cref="EdgePruneException"/>, within a time limit; any other exception type, or a hang, is a bug.
/// </summary>
public class ImporterFuzzTests
{
    // A hang is a case that never ends; the limit only has to be far above a normal case (about 0.3 s for a
    // whole ResNet18) even on a CI machine shared by other jobs, where 5 s was seen to be too tight.
    private static readonly TimeSpan PerCaseLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public void Mutated_small_models_load_and_inspect_or_throw_EdgePruneException()
    {
        var failures = new List<string>();
        var random = new Random(20261125);
        foreach (var (name, model) in new[] { ("small-ir8", SmallModel(irVersion: 8)), ("small-ir3", SmallModel(irVersion: 3)) })
        {
            var fields = WireFields(model);
            for (int i = 0; i < 600; i++)
            {
                var (description, mutated) = Mutate(random, model, fields, model.Length);
                Exercise($"{name} #{i} {description}", mutated, failures);
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} mutated models broke the importer's contract:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(20))}");
    }

    [Fact]
    public void Mutated_ResNet18_loads_or_throws_EdgePruneException()
    {
        const int PrefixBytes = 200_000;
        byte[] whole = File.ReadAllBytes(RealModels.ResNet18);
        byte[] prefix = whole[..PrefixBytes];
        var fields = WireFields(whole);
        var failures = new List<string>();
        var random = new Random(18);
        for (int i = 0; i < 300; i++)
        {
            var (description, mutated) = Mutate(random, prefix, fields, PrefixBytes);
            Exercise($"resnet18[..200 KB] #{i} {description}", mutated, failures);
        }

        // A few whole-file cases: mutations in the graph's first 200 KB (its nodes) with every weight intact behind them.
        for (int i = 0; i < 8; i++)
        {
            var (description, mutated) = Mutate(random, whole, fields, PrefixBytes, allowTruncation: false);
            Exercise($"resnet18 whole #{i} {description}", mutated, failures);
        }

        Assert.True(failures.Count == 0, $"{failures.Count} mutated models broke the importer's contract:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(20))}");
    }

    private static void Exercise(string caseName, byte[] bytes, List<string> failures)
    {
        var run = Task.Run(() => ModelInspector.Inspect(OnnxImporter.Load(bytes, caseName), caseName));
        try
        {
            if (!run.Wait(PerCaseLimit))
            {
                failures.Add($"{caseName}: still running after {PerCaseLimit.TotalSeconds} s");
            }
        }
        catch (AggregateException e) when (e.InnerException is EdgePruneException)
        {
        }
        catch (AggregateException e)
        {
            var inner = e.InnerException!;
            failures.Add($"{caseName}: {inner.GetType().Name}: {inner.Message}{Environment.NewLine}{inner.StackTrace}");
        }
    }

    /// <summary>
    /// One random mutation at a position below <paramref name="limit"/>. Blind mutations (bit flips, inserted or
    /// deleted bytes, overwritten varints and lengths, truncation) mostly break the protobuf framing; framed
    /// ones (a varint value rewritten, a field removed or duplicated, with every enclosing length fixed up)
    /// keep the file decodable and so reach the importer's own checks.
    /// </summary>
    private static (string Description, byte[] Bytes) Mutate(Random random, byte[] original, IReadOnlyList<WireField> allFields, int limit, bool allowTruncation = true)
    {
        var fields = allFields.Where(f => f.End <= limit).ToList();
        var bytes = new List<byte>(original);
        switch (random.Next(allowTruncation ? 10 : 9))
        {
            case 0:
            {
                int flips = random.Next(1, 9);
                for (int f = 0; f < flips; f++)
                {
                    bytes[random.Next(limit)] ^= (byte)(1 << random.Next(8));
                }

                return ($"{flips} bit flip(s)", [.. bytes]);
            }

            case 1:
            {
                int at = random.Next(limit);
                var inserted = new byte[random.Next(1, 5)];
                random.NextBytes(inserted);
                bytes.InsertRange(at, inserted);
                return ($"{inserted.Length} byte(s) inserted at {at}", [.. bytes]);
            }

            case 2:
            {
                int at = random.Next(limit);
                int count = Math.Min(random.Next(1, 17), bytes.Count - at);
                bytes.RemoveRange(at, count);
                return ($"{count} byte(s) deleted at {at}", [.. bytes]);
            }

            case 3:
            {
                var field = fields[random.Next(fields.Count)];
                ulong value = InterestingValue(random);
                bytes.RemoveRange(field.ValuePosition, field.ValueLength);
                bytes.InsertRange(field.ValuePosition, EncodeVarint(value));
                return ($"{(field.WireType == 2 ? "length" : "varint")} at {field.ValuePosition} overwritten with {value}", [.. bytes]);
            }

            case 4:
            case 5:
            case 6:
            {
                var varints = fields.Where(f => f.WireType == 0).ToList();
                var field = varints[random.Next(varints.Count)];
                ulong value = InterestingValue(random);
                byte[] encoded = EncodeVarint(value);
                bytes.RemoveRange(field.ValuePosition, field.ValueLength);
                bytes.InsertRange(field.ValuePosition, encoded);
                FixEnclosingLengths(bytes, allFields, field, encoded.Length - field.ValueLength);
                return ($"field #{field.Number} at {field.TagPosition} set to {value} (framed)", [.. bytes]);
            }

            case 7:
            {
                var field = fields[random.Next(fields.Count)];
                bytes.RemoveRange(field.TagPosition, field.End - field.TagPosition);
                FixEnclosingLengths(bytes, allFields, field, field.TagPosition - field.End);
                return ($"field #{field.Number} at {field.TagPosition} removed (framed)", [.. bytes]);
            }

            case 8:
            {
                var field = fields[random.Next(fields.Count)];
                bytes.InsertRange(field.End, original[field.TagPosition..field.End]);
                FixEnclosingLengths(bytes, allFields, field, field.End - field.TagPosition);
                return ($"field #{field.Number} at {field.TagPosition} duplicated (framed)", [.. bytes]);
            }

            default:
            {
                int at = random.Next(1, limit);
                return ($"truncated to {at} bytes", original[..at]);
            }
        }
    }

    private static ulong InterestingValue(Random random) => random.Next(7) switch
    {
        0 => 0,
        1 => (ulong)random.Next(1, 30),
        2 => (ulong)random.Next(30, 300),
        3 => int.MaxValue,
        4 => 1UL << 32,
        5 => ulong.MaxValue,
        _ => (ulong)random.NextInt64(),
    };

    /// <summary>Adds <paramref name="delta"/> to the length prefix of every message enclosing <paramref name="field"/>, innermost first.</summary>
    private static void FixEnclosingLengths(List<byte> bytes, IReadOnlyList<WireField> fields, WireField field, int delta)
    {
        foreach (int parentIndex in field.Parents.Reverse())
        {
            var parent = fields[parentIndex];
            int oldPos = 0;
            var oldBytes = bytes.GetRange(parent.ValuePosition, parent.ValueLength).ToArray();
            TryReadVarint(oldBytes, ref oldPos, oldBytes.Length, out ulong length);
            byte[] encoded = EncodeVarint((ulong)((long)length + delta));
            bytes.RemoveRange(parent.ValuePosition, parent.ValueLength);
            bytes.InsertRange(parent.ValuePosition, encoded);
            delta += encoded.Length - parent.ValueLength;
        }
    }

    private static byte[] EncodeVarint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            byte low = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? low : (byte)(low | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }

    /// <summary>
    /// One protobuf field: where its tag, its value (a varint) or length prefix, and its end are, and the
    /// indices of the length-delimited fields enclosing it, outermost first.
    /// </summary>
    private sealed record WireField(int Number, int WireType, int TagPosition, int ValuePosition, int ValueLength, int End, int[] Parents);

    /// <summary>
    /// The varint and length-delimited fields of a protobuf message, descending into length-delimited
    /// fields whose payload parses as a message (strings and raw tensor data usually do not).
    /// </summary>
    private static List<WireField> WireFields(byte[] data)
    {
        var found = new List<WireField>();
        Walk(data, 0, data.Length, [], found);
        return found;
    }

    private static bool Walk(byte[] data, int start, int end, int[] parents, List<WireField> found)
    {
        int pos = start;
        while (pos < end)
        {
            int tagPosition = pos;
            if (!TryReadVarint(data, ref pos, end, out ulong tag) || tag >> 3 == 0 || tag >> 3 > int.MaxValue)
            {
                return false;
            }

            int valuePosition = pos;
            int number = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    if (!TryReadVarint(data, ref pos, end, out _))
                    {
                        return false;
                    }

                    found.Add(new WireField(number, 0, tagPosition, valuePosition, pos - valuePosition, pos, parents));
                    break;
                case 1:
                    pos += 8;
                    break;
                case 2:
                    if (!TryReadVarint(data, ref pos, end, out ulong length) || length > (ulong)(end - pos))
                    {
                        return false;
                    }

                    int payload = pos;
                    pos += (int)length;
                    found.Add(new WireField(number, 2, tagPosition, valuePosition, payload - valuePosition, pos, parents));
                    int before = found.Count;
                    if (parents.Length >= 10 || length == 0 || !Walk(data, payload, pos, [.. parents, before - 1], found))
                    {
                        found.RemoveRange(before, found.Count - before);
                    }

                    break;
                case 5:
                    pos += 4;
                    break;
                default:
                    return false;
            }
        }

        return pos == end;
    }

    private static bool TryReadVarint(byte[] data, ref int pos, int end, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64 && pos < end; shift += 7)
        {
            byte b = data[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A small model that touches most of what the importer reads: symbolic and fixed dims, attributes,
    /// raw and typed-field initializers (float and int64), value_info, metadata, and (IR 3) initializers
    /// listed as graph inputs.
    /// </summary>
    private static byte[] SmallModel(long irVersion)
    {
        var random = new Random(1);
        var b = new GraphBuilder(opset: 9, name: "fuzz_seed");
        string x = b.Input("x", DataType.Float, Dim.Named("N"), 6);
        var attributes = new Dictionary<string, AttributeValue> { ["transB"] = AttributeValue.Of(1L), ["alpha"] = AttributeValue.Of(0.5f) };
        string h = b.Op("Gemm", [x, b.Initializer("w", TestTensors.Uniform(random, [4, 6])), b.Initializer("c", TestTensors.Uniform(random, [4]))], attributes);
        string r = b.Op("Relu", [h]);
        string y = b.Op("Add", [r, b.Initializer("offset", TestTensors.Uniform(random, [1, 4]))]);
        b.Output(y);
        var graph = ShapeInference.Infer(b.Build(), "fuzz seed");
        var proto = OnnxExporter.ToProto(new Model
        {
            Graph = graph,
            IrVersion = irVersion,
            Metadata = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("author", "fuzz"),
        });
        var typed = new P.TensorProto { Name = "typed_floats", DataType = (int)DataType.Float };
        typed.Dims.Add(2);
        typed.FloatData.Add([1.5f, -2f]);
        var shapeConstant = new P.TensorProto { Name = "typed_int64", DataType = (int)DataType.Int64 };
        shapeConstant.Dims.Add(3);
        shapeConstant.Int64Data.Add([1, 2, 3]);
        proto.Graph.Initializer.Add(typed);
        proto.Graph.Initializer.Add(shapeConstant);
        return proto.ToByteArray();
    }
}
