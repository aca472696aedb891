using System.Globalization;
using System.Text;
using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Data;

/// <summary>
/// Comma-separated numbers as a float tensor [rows, columns]. Fields may be quoted (RFC 4180, one record per
/// line); numbers use the invariant culture ('.' decimal point), plus "nan", "inf" and "-inf" as numpy's
/// <c>savetxt</c> writes them. Blank lines are skipped.
/// </summary>
public static class Csv
{
    /// <param name="path">The file to read.</param>
    /// <param name="hasHeader">True: the first line is a header and is skipped. False: every line is data.
    /// Null: the first line is a header when any of its fields is not a number.</param>
    public static Tensor Read(string path, bool? hasHeader = null)
    {
        try
        {
            using var reader = new StreamReader(path, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
            return Read(reader, path, hasHeader);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgePruneException($"{path}: cannot read the CSV file ({e.Message})", e);
        }
    }

    private static Tensor Read(TextReader reader, string path, bool? hasHeader)
    {
        var values = new List<float>();
        int columns = -1;
        int firstLine = 0;
        int rows = 0;
        int lineNumber = 0;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            List<string> fields = SplitFields(line, path, lineNumber);
            if (columns < 0)
            {
                columns = fields.Count;
                firstLine = lineNumber;
                bool isHeader = hasHeader ?? fields.Any(f => !TryParse(f, out _));
                if (isHeader)
                {
                    continue;
                }
            }
            else if (fields.Count != columns)
            {
                throw new EdgePruneException($"{path}: line {lineNumber} has {fields.Count} fields, but line {firstLine} has {columns}; every row needs the same number of columns");
            }

            for (int column = 0; column < fields.Count; column++)
            {
                if (!TryParse(fields[column], out float value))
                {
                    string problem = fields[column].Length == 0 ? "is empty" : $"'{Shorten(fields[column])}' is not a number";
                    throw new EdgePruneException($"{path}: line {lineNumber}, column {column + 1}: {problem} (numbers use '.' as the decimal point, e.g. 3.25 or -1e-3)");
                }

                values.Add(value);
            }

            rows++;
        }

        if (rows == 0)
        {
            throw new EdgePruneException($"{path}: the CSV file has no data rows");
        }

        return Tensor.FromArray(values.ToArray(), rows, columns);
    }

    private static List<string> SplitFields(string line, string path, int lineNumber)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        int i = 0;
        while (true)
        {
            while (i < line.Length && line[i] is ' ' or '\t')
            {
                i++;
            }

            field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw new EdgePruneException($"{path}: line {lineNumber}, column {fields.Count + 1}: a quoted field is not closed (fields cannot span lines)");
                    }

                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    field.Append(line[i++]);
                }

                while (i < line.Length && line[i] is ' ' or '\t')
                {
                    i++;
                }

                if (i < line.Length && line[i] != ',')
                {
                    throw new EdgePruneException($"{path}: line {lineNumber}, column {fields.Count + 1}: unexpected text after a quoted field");
                }
            }
            else
            {
                while (i < line.Length && line[i] != ',')
                {
                    field.Append(line[i++]);
                }
            }

            fields.Add(field.ToString().Trim());
            if (i >= line.Length)
            {
                return fields;
            }

            i++;
        }
    }

    private static bool TryParse(string field, out float value)
    {
        switch (field.ToLowerInvariant())
        {
            case "nan" or "+nan" or "-nan":
                value = float.NaN;
                return true;
            case "inf" or "+inf" or "infinity" or "+infinity":
                value = float.PositiveInfinity;
                return true;
            case "-inf" or "-infinity":
                value = float.NegativeInfinity;
                return true;
        }

        return float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "..." : text;
}
