using System.Buffers.Binary;

namespace EdgePrune.Runtime.Format;

/// <summary>
/// Parses and validates a whole <c>.epb</c> file (docs/format.md): header, section table, CRCs, then each
/// section's records, every count, offset, length, alignment, shape and tensor ref, before anything is used.
/// Op-specific checks (shapes an op needs) are the engine's, at load, before the first run.
/// </summary>
public static class EpbReader
{
    public static EpbContent Read(byte[] file)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("the .epb runtime views weights in place and needs a little-endian CPU");
        }

        var sections = ReadSectionTable(file);
        (int Offset, int Length) Required(SectionKind kind) =>
            sections.TryGetValue(kind, out var s) ? s : throw new EpbFormatException($"the file has no {kind} section");

        var weights = Required(SectionKind.Weights);
        var tensors = ReadTensors(file, Required(SectionKind.Tensors), weights);
        var nodes = ReadGraph(file, Required(SectionKind.Graph), tensors.Length);
        int arenaBytes = ReadArena(file, Required(SectionKind.Arena), tensors);
        var metadata = Required(SectionKind.Metadata);
        var reader = new ByteReader(file.AsSpan(metadata.Offset, metadata.Length), "metadata section");
        byte[] sha = reader.Bytes(32).ToArray();
        string producer = reader.String("producer");
        int[] inputs = TensorRefs(ref reader, tensors, "input");
        int[] outputs = TensorRefs(ref reader, tensors, "output");
        var labels = new string[reader.Count(2, "label")];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = reader.String("label");
        }

        CheckDataFlow(tensors, nodes, inputs, outputs);
        CheckArenaOverlaps(tensors, nodes, inputs, outputs);
        int treeNodes = nodes.Count(n => n.Op == OpCode.TreeEnsemble);
        bool hasTrees = sections.TryGetValue(SectionKind.Trees, out var treeSection);
        if (treeNodes > 1 || (treeNodes == 1) != hasTrees)
        {
            throw new EpbFormatException($"graph section: {treeNodes} TreeEnsemble nodes and {(hasTrees ? "a" : "no")} trees section; a trees section goes with exactly one TreeEnsemble node");
        }

        return new EpbContent
        {
            MinorVersion = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(10)),
            Tensors = tensors,
            Nodes = nodes,
            ArenaBytes = arenaBytes,
            Inputs = inputs,
            Outputs = outputs,
            SourceSha256 = sha,
            Producer = producer,
            Labels = labels,
            Trees = hasTrees ? TreeTables.Read(file, treeSection.Offset, treeSection.Length) : null,
        };
    }

    private static Dictionary<SectionKind, (int Offset, int Length)> ReadSectionTable(byte[] file)
    {
        if (file.Length < EpbLayout.HeaderBytes || !file.AsSpan(0, 8).SequenceEqual(EpbLayout.Magic))
        {
            throw new EpbFormatException("not an .epb file: the first 8 bytes are not the .epb magic number");
        }

        var header = new ByteReader(file.AsSpan(0, EpbLayout.HeaderBytes), "header");
        header.Bytes(8);
        ushort major = header.U16();
        ushort minor = header.U16();
        if (major != EpbLayout.MajorVersion)
        {
            throw new EpbFormatException($"format version {major}.{minor} is not readable by this runtime (it reads {EpbLayout.MajorVersion}.x); export the model again with a matching EdgePrune");
        }

        uint sectionCount = header.U32();
        ulong fileLength = header.U64();
        uint headerCrc = header.U32();
        if (fileLength != (ulong)file.Length)
        {
            throw new EpbFormatException($"header says the file is {fileLength} bytes but it is {file.Length} (truncated or padded)");
        }

        if (sectionCount > 64)
        {
            throw new EpbFormatException($"header declares {sectionCount} sections; at most 64 are allowed");
        }

        int tableEnd = EpbLayout.HeaderBytes + ((int)sectionCount * EpbLayout.SectionEntryBytes);
        if (tableEnd > file.Length)
        {
            throw new EpbFormatException($"the section table ({sectionCount} entries) runs past the end of the {file.Length}-byte file");
        }

        var covered = new byte[tableEnd];
        file.AsSpan(0, tableEnd).CopyTo(covered);
        covered.AsSpan(24, 4).Clear();
        if (Crc32.Compute(covered) != headerCrc)
        {
            throw new EpbFormatException("header CRC-32 mismatch: the header or section table is corrupted");
        }

        var sections = new Dictionary<SectionKind, (int, int)>();
        var table = new ByteReader(file.AsSpan(EpbLayout.HeaderBytes, tableEnd - EpbLayout.HeaderBytes), "section table");
        long previousEnd = tableEnd;
        for (int i = 0; i < sectionCount; i++)
        {
            var kind = (SectionKind)table.U32();
            table.U32();
            ulong offset = table.U64();
            ulong length = table.U64();
            uint crc = table.U32();
            table.U32();
            if (offset % EpbLayout.SectionAlignment != 0 || offset < (ulong)previousEnd || offset > (ulong)file.Length || length > (ulong)file.Length - offset)
            {
                throw new EpbFormatException($"section {i} ({kind}): offset {offset} length {length} is misaligned, overlaps the previous section or runs past the {file.Length}-byte file");
            }

            previousEnd = (long)(offset + length);
            var bytes = file.AsSpan((int)offset, (int)length);
            if (Crc32.Compute(bytes) != crc)
            {
                throw new EpbFormatException($"section {i} ({kind}): CRC-32 mismatch, the section is corrupted");
            }

            bool known = Enum.IsDefined(kind);
            if (known && !sections.TryAdd(kind, ((int)offset, (int)length)))
            {
                throw new EpbFormatException($"section {kind} appears twice");
            }

            if (!known && minor <= EpbLayout.MinorVersion)
            {
                throw new EpbFormatException($"section {i} has unknown kind {(uint)kind}, which version {major}.{minor} does not define");
            }
        }

        return sections;
    }

    private static TensorRecord[] ReadTensors(byte[] file, (int Offset, int Length) section, (int Offset, int Length) weights)
    {
        var reader = new ByteReader(file.AsSpan(section.Offset, section.Length), "tensor section");
        var tensors = new TensorRecord[reader.Count(6, "tensor")];
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int t = 0; t < tensors.Length; t++)
        {
            string name = reader.String($"tensor {t} name");
            string where = $"tensor {t} '{name}'";
            if (!names.Add(name))
            {
                throw reader.Fail($"{where}: the name is used twice");
            }

            var type = (EpbDataType)reader.U8();
            var kind = (TensorKind)reader.U8();
            int rank = reader.U8();
            var quantKind = (QuantKind)reader.U8();
            if (!Enum.IsDefined(type) || !Enum.IsDefined(kind) || !Enum.IsDefined(quantKind) || rank > EpbLayout.MaxRank)
            {
                throw reader.Fail($"{where}: type {(byte)type}, kind {(byte)kind}, quantization {(byte)quantKind} or rank {rank} is not defined");
            }

            var shape = new int[rank];
            long elements = 1;
            for (int d = 0; d < rank; d++)
            {
                shape[d] = reader.I32();
                if (shape[d] < 1)
                {
                    throw reader.Fail($"{where}: dimension {d} is {shape[d]}; dimensions must be at least 1");
                }

                elements *= shape[d];
                if (elements * 4 > EpbLayout.MaxArenaBytes)
                {
                    throw reader.Fail($"{where}: shape [{string.Join(", ", shape.Take(d + 1))}, ...] exceeds {EpbLayout.MaxArenaBytes} bytes");
                }
            }

            QuantInfo? quant = null;
            if (quantKind != QuantKind.None)
            {
                int axis = reader.I32();
                int count = reader.Count(8, "quantization parameter");
                int expected = quantKind == QuantKind.PerTensor ? 1 : (axis >= 0 && axis < rank ? shape[axis] : -1);
                if (quantKind == QuantKind.PerTensor ? axis != -1 : expected < 0)
                {
                    throw reader.Fail($"{where}: quantization axis {axis} is invalid for rank {rank}");
                }

                if (count != expected)
                {
                    throw reader.Fail($"{where}: {count} quantization parameters; the axis needs {expected}");
                }

                var scales = new float[count];
                var zeroPoints = new int[count];
                for (int i = 0; i < count; i++)
                {
                    scales[i] = reader.F32();
                    // An all-zero weight channel legitimately has scale 0; an activation scale of 0 would divide by zero.
                    if (!float.IsFinite(scales[i]) || scales[i] < 0 || (scales[i] == 0 && kind == TensorKind.Activation))
                    {
                        throw reader.Fail($"{where}: scale {i} is {scales[i]}; scales must be finite and positive (0 only for a weight channel)");
                    }
                }

                for (int i = 0; i < count; i++)
                {
                    zeroPoints[i] = reader.I32();
                    if (zeroPoints[i] < sbyte.MinValue || zeroPoints[i] > sbyte.MaxValue)
                    {
                        throw reader.Fail($"{where}: zero point {zeroPoints[i]} is outside int8");
                    }
                }

                quant = new QuantInfo(quantKind, axis, scales, zeroPoints);
            }

            WeightView? view = null;
            if (kind == TensorKind.Constant)
            {
                var encoding = (WeightEncoding)reader.U8();
                reader.U8();
                reader.U16();
                int p0 = reader.I32();
                int p1 = reader.I32();
                int nnz = reader.I32();
                int rangeCount = reader.Count(16, "data range");
                var ranges = new (long, long)[rangeCount];
                for (int i = 0; i < rangeCount; i++)
                {
                    ranges[i] = ((long)reader.U64(), (long)reader.U64());
                }

                view = WeightView.Validate(file, weights.Offset, weights.Length, name, type, shape, (int)elements, encoding, p0, p1, nnz, ranges);
            }

            tensors[t] = new TensorRecord { Name = name, DataType = type, Kind = kind, Shape = shape, Quant = quant, Weights = view, ElementCount = (int)elements };
        }

        return tensors;
    }

    private static NodeRecord[] ReadGraph(byte[] file, (int Offset, int Length) section, int tensorCount)
    {
        var reader = new ByteReader(file.AsSpan(section.Offset, section.Length), "graph section");
        var nodes = new NodeRecord[reader.Count(6, "node")];
        for (int n = 0; n < nodes.Length; n++)
        {
            var op = (OpCode)reader.U16();
            if (!Enum.IsDefined(op))
            {
                throw reader.Fail($"node {n}: op code {(ushort)op} is not defined in this format version");
            }

            int inputCount = reader.U8();
            int outputCount = reader.U8();
            int[] Refs(ref ByteReader r, int count, bool allowAbsent)
            {
                var refs = new int[count];
                for (int i = 0; i < count; i++)
                {
                    uint value = r.U32();
                    if (value == EpbLayout.NoTensor && allowAbsent)
                    {
                        refs[i] = -1;
                        continue;
                    }

                    if (value >= (uint)tensorCount)
                    {
                        throw r.Fail($"node {n} ({op}): tensor ref {value} is out of range (the file has {tensorCount} tensors)");
                    }

                    refs[i] = (int)value;
                }

                return refs;
            }

            var inputs = Refs(ref reader, inputCount, allowAbsent: true);
            var outputs = Refs(ref reader, outputCount, allowAbsent: false);
            var ints = new Dictionary<AttributeId, long[]>();
            var floats = new Dictionary<AttributeId, float[]>();
            int attributeCount = reader.U16();
            for (int a = 0; a < attributeCount; a++)
            {
                var id = (AttributeId)reader.U16();
                int valueKind = reader.U8();
                reader.U8();
                int count = reader.U16();
                if (!Enum.IsDefined(id) || ints.ContainsKey(id) || floats.ContainsKey(id))
                {
                    throw reader.Fail($"node {n} ({op}): attribute id {(ushort)id} is unknown or repeated");
                }

                if (valueKind == 0)
                {
                    var values = new long[Math.Min(count, reader.Remaining / 8 + 1)];
                    if (values.Length != count)
                    {
                        throw reader.Fail($"node {n} ({op}): attribute {id} declares {count} integers past the section end");
                    }

                    for (int i = 0; i < count; i++)
                    {
                        values[i] = reader.I64();
                    }

                    ints[id] = values;
                }
                else if (valueKind == 1)
                {
                    var values = new float[Math.Min(count, reader.Remaining / 4 + 1)];
                    if (values.Length != count)
                    {
                        throw reader.Fail($"node {n} ({op}): attribute {id} declares {count} floats past the section end");
                    }

                    for (int i = 0; i < count; i++)
                    {
                        values[i] = reader.F32();
                    }

                    floats[id] = values;
                }
                else
                {
                    throw reader.Fail($"node {n} ({op}): attribute {id} has unknown value kind {valueKind}");
                }
            }

            nodes[n] = new NodeRecord { Index = n, Op = op, Inputs = inputs, Outputs = outputs, Ints = ints, Floats = floats };
        }

        return nodes;
    }

    private static int ReadArena(byte[] file, (int Offset, int Length) section, TensorRecord[] tensors)
    {
        var reader = new ByteReader(file.AsSpan(section.Offset, section.Length), "arena section");
        ulong arenaBytes = reader.U64();
        if (arenaBytes > EpbLayout.MaxArenaBytes)
        {
            throw reader.Fail($"arena of {arenaBytes} bytes exceeds the runtime's limit of {EpbLayout.MaxArenaBytes}");
        }

        int count = reader.Count(12, "arena entry");
        for (int i = 0; i < count; i++)
        {
            uint tensor = reader.U32();
            ulong offset = reader.U64();
            if (tensor >= (uint)tensors.Length || tensors[tensor].Kind != TensorKind.Activation || tensors[tensor].ArenaOffset >= 0)
            {
                throw reader.Fail($"entry {i}: tensor ref {tensor} is out of range, a constant, or placed twice");
            }

            var record = tensors[tensor];
            if (offset % EpbLayout.DataAlignment != 0 || offset > arenaBytes || (ulong)record.ByteCount > arenaBytes - offset)
            {
                throw reader.Fail($"entry {i}: {record} at offset {offset} (+{record.ByteCount} bytes) is misaligned or runs past the {arenaBytes}-byte arena");
            }

            record.ArenaOffset = (int)offset;
        }

        foreach (var t in tensors.Where(t => t.Kind == TensorKind.Activation && t.ArenaOffset < 0))
        {
            throw reader.Fail($"{t} has no place in the arena");
        }

        return (int)arenaBytes;
    }

    private static int[] TensorRefs(ref ByteReader reader, TensorRecord[] tensors, string what)
    {
        var refs = new int[reader.Count(4, what)];
        for (int i = 0; i < refs.Length; i++)
        {
            uint value = reader.U32();
            if (value >= (uint)tensors.Length || tensors[value].Kind != TensorKind.Activation)
            {
                throw reader.Fail($"{what} {i}: tensor ref {value} is out of range or not an activation");
            }

            refs[i] = (int)value;
        }

        return refs;
    }

    /// <summary>
    /// No two activations alive at a common step share arena bytes (lifetimes as the planner defines them: from the
    /// writing step, or 0 for inputs, to the last reading step, or the end for outputs). Kernels rely on a node's inputs
    /// and outputs being disjoint.
    /// </summary>
    private static void CheckArenaOverlaps(TensorRecord[] tensors, NodeRecord[] nodes, int[] inputs, int[] outputs)
    {
        var first = new int[tensors.Length];
        var last = new int[tensors.Length];
        Array.Fill(first, -1);
        foreach (int i in inputs)
        {
            first[i] = last[i] = 0;
        }

        for (int step = 0; step < nodes.Length; step++)
        {
            foreach (int i in nodes[step].Inputs.Where(i => i >= 0 && first[i] >= 0))
            {
                last[i] = step;
            }

            foreach (int o in nodes[step].Outputs)
            {
                first[o] = last[o] = step;
            }
        }

        foreach (int o in outputs)
        {
            last[o] = Math.Max(0, nodes.Length - 1);
        }

        var live = Enumerable.Range(0, tensors.Length).Where(t => first[t] >= 0 && tensors[t].ByteCount > 0).OrderBy(t => tensors[t].ArenaOffset).ToArray();
        for (int a = 0; a < live.Length; a++)
        {
            var ta = tensors[live[a]];
            for (int b = a + 1; b < live.Length && tensors[live[b]].ArenaOffset < ta.ArenaOffset + ta.ByteCount; b++)
            {
                if (first[live[a]] <= last[live[b]] && first[live[b]] <= last[live[a]])
                {
                    throw new EpbFormatException($"arena section: {ta} and {tensors[live[b]]} are alive at the same step and share arena bytes");
                }
            }
        }
    }

    /// <summary>Every activation a node reads is a graph input or written by an earlier node; each activation is written once; outputs are written.</summary>
    private static void CheckDataFlow(TensorRecord[] tensors, NodeRecord[] nodes, int[] inputs, int[] outputs)
    {
        if (inputs.Length == 0 || outputs.Length == 0)
        {
            throw new EpbFormatException("metadata section: the model declares no input or no output");
        }

        var written = new bool[tensors.Length];
        foreach (int i in inputs)
        {
            if (written[i])
            {
                throw new EpbFormatException($"metadata section: input {tensors[i]} is listed twice");
            }

            written[i] = true;
        }

        foreach (var node in nodes)
        {
            foreach (int i in node.Inputs.Where(i => i >= 0 && tensors[i].Kind == TensorKind.Activation))
            {
                if (!written[i])
                {
                    throw new EpbFormatException($"graph section: {node.Describe()} reads {tensors[i]} before any node writes it");
                }
            }

            foreach (int o in node.Outputs)
            {
                if (tensors[o].Kind != TensorKind.Activation || written[o])
                {
                    throw new EpbFormatException($"graph section: {node.Describe()} writes {tensors[o]}, which is a constant, a graph input or written earlier");
                }

                written[o] = true;
            }
        }

        foreach (int o in outputs.Where(o => !written[o]))
        {
            throw new EpbFormatException($"metadata section: output {tensors[o]} is never written");
        }
    }
}
