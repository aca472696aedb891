using Microsoft.Extensions.Logging;

namespace EdgePrune.TestSupport.Logging;

/// <summary>Keeps every log entry so a test can count warnings.</summary>
public sealed class TestLogger : ILogger
{
    private readonly List<(LogLevel Level, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Entries
    {
        get { lock (_entries) { return _entries.ToArray(); } }
    }

    public int Count(LogLevel level) => Entries.Count(e => e.Level == level);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries) { _entries.Add((logLevel, formatter(state, exception))); }
    }
}

/// <summary>Hands the same <see cref="TestLogger"/> to every category.</summary>
public sealed class TestLoggerFactory(TestLogger logger) : ILoggerFactory
{
    public TestLogger Logger => logger;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => logger;

    public void Dispose()
    {
    }
}
