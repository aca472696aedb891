namespace EdgePrune.Sensors.Actions;

/// <summary>Sends each record to several sinks in order; one sink failing does not keep the record from the others.</summary>
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
