using System.Globalization;
using System.Text;

namespace EdgePrune.Sensors.Traces;

/// <summary>
/// A recorded (or generated) multichannel signal: one row per sample with its time, the channel values and an
/// optional ground-truth label. On disk it is CSV: optional <c>#</c> comment lines, a header
/// <c>time_s,&lt;channel&gt;...[,label]</c>, then one row per sample (invariant culture, '.' decimals).
/// </summary>
public sealed class SensorTrace
{
    public SensorTrace(IReadOnlyList<string> channels, IReadOnlyList<double> times, IReadOnlyList<float[]> rows, IReadOnlyList<string>? labels = null, IReadOnlyList<string>? comments = null)
    {
        if (times.Count != rows.Count || labels is not null && labels.Count != rows.Count)
        {
            throw new ArgumentException($"A trace needs as many times ({times.Count}), rows ({rows.Count}) and labels ({labels?.Count}) as samples.");
        }

        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != channels.Count)
            {
                throw new ArgumentException($"Row {i} has {rows[i].Length} values, the trace has {channels.Count} channels.");
            }

            if (i > 0 && times[i] < times[i - 1])
            {
                throw new ArgumentException($"Row {i}: time {times[i]} s goes backwards (previous {times[i - 1]} s).");
            }
        }

        Channels = channels;
        Times = times;
        Rows = rows;
        Labels = labels;
        Comments = comments ?? [];
    }

    public IReadOnlyList<string> Channels { get; }

    /// <summary>Sample times in seconds from the start of the trace.</summary>
    public IReadOnlyList<double> Times { get; }

    public IReadOnlyList<float[]> Rows { get; }

    /// <summary>Ground truth per row, or null when the trace carries none.</summary>
    public IReadOnlyList<string>? Labels { get; }

    public IReadOnlyList<string> Comments { get; }

    public int Count => Rows.Count;

    public TimeSpan Duration => Count == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Times[^1]);

    /// <summary>Index of the last row whose time is at or before <paramref name="seconds"/> (-1 before the first row).</summary>
    public int IndexAt(double seconds)
    {
        int low = 0, high = Count - 1, found = -1;
        while (low <= high)
        {
            int mid = (low + high) / 2;
            if (Times[mid] <= seconds)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return found;
    }

    public static SensorTrace Load(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    public static SensorTrace Read(TextReader reader, string name)
    {
        var comments = new List<string>();
        string? header;
        int lineNumber = 0;
        while ((header = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (!header.StartsWith('#'))
            {
                break;
            }

            comments.Add(header[1..].Trim());
        }

        if (header is null)
        {
            throw new InvalidDataException($"{name}: no header line 'time_s,<channels>[,label]'.");
        }

        string[] columns = header.Split(',').Select(c => c.Trim()).ToArray();
        if (columns.Length < 2 || columns[0] != "time_s")
        {
            throw new InvalidDataException($"{name}:{lineNumber}: the header must start with 'time_s' and name at least one channel, got '{header}'.");
        }

        bool labelled = columns[^1] == "label";
        string[] channels = columns[1..(labelled ? ^1 : ^0)];
        var times = new List<double>();
        var rows = new List<float[]>();
        var labels = labelled ? new List<string>() : null;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            string[] cells = line.Split(',');
            if (cells.Length != columns.Length)
            {
                throw new InvalidDataException($"{name}:{lineNumber}: {cells.Length} cells, the header has {columns.Length}.");
            }

            times.Add(ParseNumber(cells[0], name, lineNumber, "time_s"));
            var row = new float[channels.Length];
            for (int c = 0; c < channels.Length; c++)
            {
                row[c] = (float)ParseNumber(cells[1 + c], name, lineNumber, channels[c]);
            }

            rows.Add(row);
            labels?.Add(cells[^1].Trim());
        }

        try
        {
            return new SensorTrace(channels, times, rows, labels, comments);
        }
        catch (ArgumentException error)
        {
            throw new InvalidDataException($"{name}: {error.Message}", error);
        }
    }

    public void Write(TextWriter writer)
    {
        foreach (string comment in Comments)
        {
            writer.Write("# ");
            writer.WriteLine(comment);
        }

        writer.WriteLine("time_s," + string.Join(',', Channels) + (Labels is null ? "" : ",label"));
        var line = new StringBuilder();
        for (int i = 0; i < Count; i++)
        {
            line.Clear();
            line.Append(Times[i].ToString("0.000###", CultureInfo.InvariantCulture));
            foreach (float value in Rows[i])
            {
                // Through double: float custom formats keep only 7 significant digits, which would cut 5 decimals above 100.
                line.Append(',').Append(((double)value).ToString("0.#####", CultureInfo.InvariantCulture));
            }

            if (Labels is not null)
            {
                line.Append(',').Append(Labels[i]);
            }

            writer.WriteLine(line);
        }
    }

    /// <summary>Writes the CSV through a temporary file and a rename, so a reader never sees half a trace.</summary>
    public void Save(string path)
    {
        string temporary = path + ".tmp";
        using (var writer = new StreamWriter(temporary, append: false, new UTF8Encoding(false)) { NewLine = "\n" })
        {
            Write(writer);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static double ParseNumber(string cell, string name, int lineNumber, string column) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new InvalidDataException($"{name}:{lineNumber}: column '{column}' holds '{cell}', not a number.");
}
