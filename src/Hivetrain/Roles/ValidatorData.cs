using Hivetrain.Data;

namespace Hivetrain.Roles;

/// <summary>
/// What a validator evaluates on: <see cref="HeldOut"/> draws the public held-out sample for a seed and a context (from
/// the eval split); <see cref="Private"/>, when set, draws rows of a validator-private corpus mixed into it (never
/// published, so nobody can train on them); <see cref="Assigned"/> gives the windows each miner was assigned to train on.
/// </summary>
public sealed record ValidatorData(Func<ulong, int, TokenWindows> HeldOut, IAssignedData Assigned, Func<ulong, int, TokenWindows>? Private = null)
{
    /// <summary>The held-out sample of a round: the public rows, then the private ones.</summary>
    public TokenWindows Sample(ulong seed, int context)
    {
        var sample = HeldOut(seed, context);
        if (Private is null) return sample;
        var extra = Private(SeededRandom.Derive(seed, 0x9817A7E), context);
        if (extra.Context != sample.Context) throw new ArgumentException($"private rows have context {extra.Context}, the sample {sample.Context}");
        // Private rows belong to no group of the public corpus: the own-data test leaves them out of its comparison.
        int[]? groups = sample.Groups is null ? null : [.. sample.Groups, .. Enumerable.Repeat(-1, extra.Rows)];
        return new TokenWindows([.. sample.Ids, .. extra.Ids], sample.Rows + extra.Rows, sample.Context) { Groups = groups };
    }
}
