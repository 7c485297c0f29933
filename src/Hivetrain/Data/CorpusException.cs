namespace Hivetrain.Data;

/// <summary>A corpus could not be read, tokenized or sampled; <see cref="Reason"/> says why.</summary>
public sealed class CorpusException : Exception
{
    public CorpusException(CorpusErrorReason reason, string message, Exception? inner = null)
        : base(message, inner) => Reason = reason;

    public CorpusErrorReason Reason { get; }
}
