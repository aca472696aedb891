using System.Globalization;
using System.Text.RegularExpressions;
using EdgePrune.Core;

namespace EdgePrune.Export.Firmware;

/// <summary>What an input section holds, from its name (gcc's -ffunction-sections / -fdata-sections naming).</summary>
public enum MapSectionKind
{
    /// <summary><c>.text*</c>, the vector table and linker veneers: flash.</summary>
    Code,

    /// <summary><c>.rodata*</c> and the ARM unwind tables: flash.</summary>
    ReadOnlyData,

    /// <summary><c>.data*</c>: RAM, with its initial image in flash.</summary>
    Data,

    /// <summary><c>.bss*</c> and <c>COMMON</c>: zeroed RAM.</summary>
    Bss,

    /// <summary>Debug information, comments, attributes: not in the image.</summary>
    Other,
}

/// <summary>One output section of the image, e.g. <c>.text</c> at 0x40 with 0xe80 bytes.</summary>
public sealed record MapOutputSection(string Name, long Address, long Size);

/// <summary>
/// One input section placed in the image: its output section, its own name (e.g. <c>.text.ep_fully_connected_s8</c>),
/// address, size in bytes and the object (or <c>archive.a(member.o)</c>) it came from.
/// </summary>
public sealed record MapInputSection(string OutputSection, string Name, long Address, long Size, string Object)
{
    public MapSectionKind Kind { get; } = KindOf(Name);

    /// <summary>The function of a <c>-ffunction-sections</c> code section (<c>.text.NAME</c>, <c>.text.startup.NAME</c>), or null.</summary>
    public string? Function => Kind == MapSectionKind.Code ? SymbolAfter(Name, ".text.") : null;

    /// <summary>The variable of a <c>-fdata-sections</c> section (<c>.rodata.NAME</c>, <c>.data.NAME</c>, <c>.bss.NAME</c>), or null.</summary>
    public string? Variable => Kind switch
    {
        MapSectionKind.ReadOnlyData => SymbolAfter(Name, ".rodata."),
        MapSectionKind.Data => SymbolAfter(Name, ".data."),
        MapSectionKind.Bss => SymbolAfter(Name, ".bss."),
        _ => null,
    };

    internal static MapSectionKind KindOf(string name) => name switch
    {
        ".isr_vector" or ".glue_7" or ".glue_7t" or ".vfp11_veneer" or ".v4_bx" or ".iplt" => MapSectionKind.Code,
        "COMMON" => MapSectionKind.Bss,
        _ when IsOrStartsWith(name, ".text") => MapSectionKind.Code,
        _ when IsOrStartsWith(name, ".rodata") || name.StartsWith(".ARM.exidx", StringComparison.Ordinal) || name.StartsWith(".ARM.extab", StringComparison.Ordinal) => MapSectionKind.ReadOnlyData,
        _ when IsOrStartsWith(name, ".data") => MapSectionKind.Data,
        _ when IsOrStartsWith(name, ".bss") => MapSectionKind.Bss,
        _ => MapSectionKind.Other,
    };

    private static bool IsOrStartsWith(string name, string section) =>
        name == section || name.StartsWith(section + ".", StringComparison.Ordinal);

    // gcc prefixes sections of functions it placed by profile or role: .text.startup.main, .text.unlikely.f, .text.hot.f.
    private static readonly string[] Placement = ["startup.", "unlikely.", "hot.", "exit."];

    private static string? SymbolAfter(string name, string prefix)
    {
        if (!name.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        string rest = name[prefix.Length..];
        foreach (string p in Placement)
        {
            if (rest.StartsWith(p, StringComparison.Ordinal) && rest.Length > p.Length)
            {
                return rest[p.Length..];
            }
        }

        return rest;
    }
}

/// <summary>Bytes one object contributes to the image, by kind. Flash is code + read-only data + the initial image of data.</summary>
public sealed record MapObjectSize(string Object, long Code, long ReadOnlyData, long Data, long Bss)
{
    public long Flash => Code + ReadOnlyData + Data;

    public long Ram => Data + Bss;
}

/// <summary>
/// A GNU ld link map (<c>-Wl,-Map=firmware.map</c>) read for size accounting: every input section placed in the image,
/// attributed to its object and, with <c>-ffunction-sections -fdata-sections</c>, to its function or variable, so the C
/// runtime's code can be reported per kernel (<c>.text.ep_*</c>). Only the "Linker script and memory map" part is read;
/// sections the linker discarded (--gc-sections) are not in it. Alignment padding (<c>*fill*</c>) belongs to no object
/// and is counted in <see cref="FillBytes"/>. Strings merged across objects are counted once, with the first object
/// that placed them.
/// </summary>
public sealed class MapFile
{
    private static readonly Regex SectionWithPlace = new(@"^(?<name>\S+)\s+0x(?<address>[0-9a-fA-F]+)\s+0x(?<size>[0-9a-fA-F]+)(?:\s+(?<object>.+?))?\s*$", RegexOptions.CultureInvariant);
    private static readonly Regex NameOnly = new(@"^(?<name>\S+)\s*$", RegexOptions.CultureInvariant);
    private static readonly Regex Place = new(@"^\s+0x(?<address>[0-9a-fA-F]+)\s+0x(?<size>[0-9a-fA-F]+)(?:\s+(?<object>.+?))?\s*$", RegexOptions.CultureInvariant);

    private MapFile(IReadOnlyList<MapOutputSection> outputSections, IReadOnlyList<MapInputSection> inputSections, IReadOnlyDictionary<string, long> fillBytes)
    {
        OutputSections = outputSections;
        InputSections = inputSections;
        FillBytes = fillBytes;
    }

    public IReadOnlyList<MapOutputSection> OutputSections { get; }

    /// <summary>Input sections of non-zero size, in map order.</summary>
    public IReadOnlyList<MapInputSection> InputSections { get; }

    /// <summary>Alignment padding per output section.</summary>
    public IReadOnlyDictionary<string, long> FillBytes { get; }

    public static MapFile Load(string path) => Parse(File.ReadAllText(path), path);

    /// <param name="source">Names the map in error messages (a path).</param>
    public static MapFile Parse(string text, string source = "link map")
    {
        const string start = "Linker script and memory map";
        int at = text.IndexOf(start, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new EdgePruneException($"{source} is not a GNU ld link map (no '{start}' part); link with -Wl,-Map=FILE to write one");
        }

        var outputs = new List<MapOutputSection>();
        var placed = new List<(string Output, string Name, long Address, long Size, string? Object)>();
        string? output = null;
        string? pendingOutput = null;
        string? pendingInput = null;
        foreach (string line in text[(at + start.Length)..].Split('\n'))
        {
            string l = line.TrimEnd('\r');
            if (l.Length == 0)
            {
                continue;
            }

            if (pendingOutput is not null || pendingInput is not null)
            {
                var place = Place.Match(l);
                if (place.Success)
                {
                    if (pendingOutput is not null)
                    {
                        output = pendingOutput;
                        outputs.Add(new MapOutputSection(output, Hex(place, "address"), Hex(place, "size")));
                    }
                    else
                    {
                        Add(pendingInput!, place);
                    }

                    pendingOutput = pendingInput = null;
                    continue;
                }

                pendingOutput = pendingInput = null;
            }

            if (l[0] != ' ')
            {
                var m = SectionWithPlace.Match(l);
                if (m.Success && m.Groups["name"].Value.StartsWith('.'))
                {
                    output = m.Groups["name"].Value;
                    outputs.Add(new MapOutputSection(output, Hex(m, "address"), Hex(m, "size")));
                }
                else if (NameOnly.Match(l) is { Success: true } n && n.Groups["name"].Value.StartsWith('.'))
                {
                    pendingOutput = n.Groups["name"].Value;
                }

                continue;
            }

            // Input sections are indented by exactly one space; symbols and assignments by sixteen.
            if (l.Length < 2 || l[1] == ' ' || output is null || l.StartsWith(" *(", StringComparison.Ordinal))
            {
                continue;
            }

            var input = SectionWithPlace.Match(l[1..]);
            if (input.Success)
            {
                Add(input.Groups["name"].Value, input);
            }
            else if (NameOnly.Match(l[1..]) is { Success: true } n)
            {
                pendingInput = n.Groups["name"].Value;
            }
        }

        // Merged string sections (SEC_MERGE, .rodata.*.str1.1) overlap in the map: ld prints each object's strings at the
        // offset of the merged copy with its size before deduplication. A section owns the bytes up to the next one.
        var inputs = new List<MapInputSection>();
        var fill = new Dictionary<string, long>(StringComparer.Ordinal);
        var ends = outputs.GroupBy(o => o.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Address + g.Last().Size, StringComparer.Ordinal);
        for (int i = 0; i < placed.Count; i++)
        {
            var p = placed[i];
            long next = i + 1 < placed.Count && placed[i + 1].Output == p.Output ? placed[i + 1].Address : ends[p.Output];
            long size = next >= p.Address ? Math.Min(p.Size, next - p.Address) : p.Size;
            if (size == 0)
            {
                continue;
            }

            if (p.Object is null)
            {
                fill[p.Output] = fill.GetValueOrDefault(p.Output) + size;
            }
            else
            {
                inputs.Add(new MapInputSection(p.Output, p.Name, p.Address, size, p.Object));
            }
        }

        return new MapFile(outputs, inputs, fill);

        void Add(string name, Match place)
        {
            if (Hex(place, "size") == 0)
            {
                return;
            }

            string? obj = name == "*fill*" ? null
                : place.Groups["object"].Success ? place.Groups["object"].Value
                : throw new EdgePruneException($"{source}: input section {name} in {output} names no object file");
            placed.Add((output!, name, Hex(place, "address"), Hex(place, "size"), obj));
        }
    }

    private static long Hex(Match m, string group) => long.Parse(m.Groups[group].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>Bytes of every input section of one kind in the image.</summary>
    public long Bytes(MapSectionKind kind) => InputSections.Where(s => s.Kind == kind).Sum(s => s.Size);

    /// <summary>Bytes per object, largest flash first.</summary>
    public IReadOnlyList<MapObjectSize> ByObject() =>
    [
        .. InputSections.Where(s => s.Kind != MapSectionKind.Other)
            .GroupBy(s => s.Object, StringComparer.Ordinal)
            .Select(g => new MapObjectSize(g.Key, Sum(g, MapSectionKind.Code), Sum(g, MapSectionKind.ReadOnlyData), Sum(g, MapSectionKind.Data), Sum(g, MapSectionKind.Bss)))
            .OrderByDescending(o => o.Flash).ThenBy(o => o.Object, StringComparer.Ordinal),
    ];

    /// <summary>Code bytes per function (from <c>.text.NAME</c> sections; code in a plain <c>.text</c> section has no name here).</summary>
    public IReadOnlyDictionary<string, long> Functions() => Named(s => s.Function);

    /// <summary>Bytes per variable (from <c>.rodata.NAME</c>, <c>.data.NAME</c>, <c>.bss.NAME</c> sections).</summary>
    public IReadOnlyDictionary<string, long> Variables() => Named(s => s.Variable);

    /// <summary>Code bytes of the C runtime's kernels that stayed in the image: the functions named <paramref name="prefix"/>*.</summary>
    public IReadOnlyDictionary<string, long> Kernels(string prefix = "ep_") =>
        Functions().Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);

    private IReadOnlyDictionary<string, long> Named(Func<MapInputSection, string?> name)
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var s in InputSections)
        {
            // Static functions of the same name in two objects add up: the report is per name.
            if (name(s) is { } n)
            {
                sizes[n] = sizes.GetValueOrDefault(n) + s.Size;
            }
        }

        return sizes;
    }

    private static long Sum(IEnumerable<MapInputSection> sections, MapSectionKind kind) => sections.Where(s => s.Kind == kind).Sum(s => s.Size);
}
