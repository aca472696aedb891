namespace EdgePrune.Runtime;

/// <summary>
/// The one exception a malformed, truncated, corrupted or unsupported <c>.epb</c> file produces. The message
/// names the section (and record) and what is wrong; nothing is read from or written to memory outside the file
/// and the arena before the check that would raise it.
/// </summary>
public sealed class EpbFormatException : Exception
{
    public EpbFormatException(string message)
        : base(message)
    {
    }
}
