using System.Text;

namespace EdgePrune.Sensors.Actions;

/// <summary>
/// Writes each record as one JSON line. The line is built in full before it is written in a single call and
/// flushed, so a reader (or a crash) never sees half a line; writes from several threads do not interleave.
/// </summary>
public sealed class JsonLinesSink : IOutputSink, IDisposable
{
    private readonly object _gate = new();
    private readonly Stream _stream;
    private readonly bool _ownsStream;

    public JsonLinesSink(Stream stream, bool ownsStream = false)
    {
        _stream = stream;
        _ownsStream = ownsStream;
    }

    public long LinesWritten { get; private set; }

    /// <summary>Appends to <paramref name="path"/> (created if missing); other processes may read it meanwhile.</summary>
    public static JsonLinesSink AppendToFile(string path) =>
        new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), ownsStream: true);

    public static JsonLinesSink StandardOutput() => new(Console.OpenStandardOutput(), ownsStream: true);

    public void Write(OutputRecord record)
    {
        byte[] line = Encoding.UTF8.GetBytes(record.ToJson() + "\n");
        lock (_gate)
        {
            _stream.Write(line);
            _stream.Flush();
            LinesWritten++;
        }
    }

    public void Dispose()
    {
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }
}
