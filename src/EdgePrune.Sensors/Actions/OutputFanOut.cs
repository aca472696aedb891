namespace EdgePrune.Sensors.Actions;

/// <summary>Sends each record to several sinks in order. With <c>onError</c>, a failing sink is reported there and the others still get the record; without it, the first failure propagates.</summary>
public sealed class OutputFanOut(IReadOnlyList<IOutputSink> sinks, Action<IOutputSink, Exception>? onError = null) : IOutputSink
{
    public void Write(OutputRecord record)
    {
        foreach (var sink in sinks)
        {
            try
            {
                sink.Write(record);
            }
            catch (Exception error) when (onError is not null)
            {
                onError(sink, error);
            }
        }
    }
}
