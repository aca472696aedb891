using System.Text;

namespace EdgePrune.Cli.Formatting;

/// <summary>A plain-text table: left-aligned text columns, right-aligned number columns, two spaces between.</summary>
public sealed class TextTable
{
    private readonly string[] _headers;
    private readonly bool[] _rightAligned;
    private readonly List<string[]> _rows = [];

    /// <param name="columns">Header and alignment of each column.</param>
    public TextTable(params (string Header, bool RightAligned)[] columns)
    {
        _headers = columns.Select(c => c.Header).ToArray();
        _rightAligned = columns.Select(c => c.RightAligned).ToArray();
    }

    public void AddRow(params string[] cells) => _rows.Add(cells);

    public override string ToString()
    {
        var widths = _headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        foreach (var row in _rows.Prepend(_headers))
        {
            var cells = row.Select((cell, i) => _rightAligned[i] ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]));
            text.AppendLine(string.Join("  ", cells).TrimEnd());
        }

        return text.ToString();
    }
}
