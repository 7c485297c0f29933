using Hivetrain.Ledger;
using Hivetrain.Roles;

namespace Hivetrain.Tests.Roles;

public sealed class RepositoryOwnershipTests
{
    [Fact]
    public void Earliest_commitment_owns_a_shared_repository()
    {
        var claims = RepositoryOwnership.Resolve([
            new Commitment("late", "alice/delta", 20),
            new Commitment("early", "Alice/Delta", 10),
            new Commitment("other", "bob/delta", 5),
        ]);
        Assert.True(claims["early"].IsOwner);
        Assert.Equal("early", claims["late"].SharedWith);
        Assert.True(claims["other"].IsOwner);
    }

    [Fact]
    public void Same_block_ties_are_broken_by_hotkey()
    {
        var claims = RepositoryOwnership.Resolve([new Commitment("b", "r/x", 7), new Commitment("a", "r/x", 7)]);
        Assert.True(claims["a"].IsOwner);
        Assert.Equal("a", claims["b"].SharedWith);
    }

    [Fact]
    public void Empty_commitments_claim_nothing()
    {
        Assert.Empty(RepositoryOwnership.Resolve([new Commitment("a", "  ", 1)]));
    }
}
