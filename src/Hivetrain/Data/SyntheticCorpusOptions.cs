namespace Hivetrain.Data;

/// <summary>Size and seed of the synthetic corpus; the same options give the same documents everywhere.</summary>
/// <param name="Documents">Number of documents (a few sentences, about 80 tokens each).</param>
/// <param name="Dialects">Number of dialects (1 to 64); document i speaks dialect i mod <paramref name="Dialects"/>.</param>
/// <param name="Seed">Seed of the generator.</param>
public sealed record SyntheticCorpusOptions(int Documents = 20_000, int Dialects = 4, ulong Seed = 0)
{
    /// <summary>
    /// Options from the tail of a corpus spec <c>synthetic:documents=2000,dialects=4,seed=7</c> (any subset,
    /// any order), the rest taken from <paramref name="defaults"/>.
    /// </summary>
    public static SyntheticCorpusOptions Parse(string settings, SyntheticCorpusOptions? defaults = null)
    {
        var options = defaults ?? new SyntheticCorpusOptions();
        foreach (var setting in settings.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = setting.Split('=', 2, StringSplitOptions.TrimEntries);
            bool ok = parts.Length == 2;
            options = (ok ? parts[0] : "") switch
            {
                "documents" when int.TryParse(parts[1], out int documents) => options with { Documents = documents },
                "dialects" when int.TryParse(parts[1], out int dialects) => options with { Dialects = dialects },
                "seed" when ulong.TryParse(parts[1], out ulong seed) => options with { Seed = seed },
                _ => throw new CorpusException(CorpusErrorReason.BadSpec,
                    $"synthetic corpus: cannot read '{setting}' (expected documents=N, dialects=N or seed=N)."),
            };
        }
        options.Validate();
        return options;
    }

    /// <summary>Throws <see cref="CorpusException"/> for sizes out of range.</summary>
    public void Validate()
    {
        if (Documents < 1) throw new CorpusException(CorpusErrorReason.BadSpec, $"synthetic corpus: documents must be at least 1, not {Documents}.");
        if (Dialects is < 1 or > 64) throw new CorpusException(CorpusErrorReason.BadSpec, $"synthetic corpus: dialects must be 1 to 64, not {Dialects}.");
    }
}
