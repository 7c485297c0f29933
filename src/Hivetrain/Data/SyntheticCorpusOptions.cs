namespace Hivetrain.Data;

/// <summary>Size and seed of the synthetic corpus; the same options give the same documents everywhere.</summary>
/// <param name="Documents">Number of documents (a few sentences, about 80 tokens each).</param>
/// <param name="Dialects">Number of dialects (1 to 64); document i speaks dialect i mod <paramref name="Dialects"/>.</param>
/// <param name="Seed">Seed of the generator.</param>
public sealed record SyntheticCorpusOptions(int Documents = 20_000, int Dialects = 4, ulong Seed = 0)
{
    /// <summary>Throws <see cref="CorpusException"/> for sizes out of range.</summary>
    public void Validate()
    {
        if (Documents < 1) throw new CorpusException(CorpusErrorReason.BadSpec, $"synthetic corpus: documents must be at least 1, not {Documents}.");
        if (Dialects is < 1 or > 64) throw new CorpusException(CorpusErrorReason.BadSpec, $"synthetic corpus: dialects must be 1 to 64, not {Dialects}.");
    }
}
