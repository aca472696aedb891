namespace EdgePrune.Core;

/// <summary>
/// The one exception type EdgePrune throws for bad input (files, models, data, options). Its message is
/// written for the user: it names the input and says what is wrong and, where it can, what to do.
/// Anything else escaping EdgePrune is a bug.
/// </summary>
public class EdgePruneException : Exception
{
    public EdgePruneException(string message) : base(message) { }

    public EdgePruneException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A model uses ops, attributes or data types EdgePrune cannot handle; lists every offending node.</summary>
public sealed class UnsupportedModelException : EdgePruneException
{
    public UnsupportedModelException(string modelName, IReadOnlyList<string> problems)
        : base($"{modelName}: {problems.Count} unsupported construct(s):" + Environment.NewLine
               + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }
}
