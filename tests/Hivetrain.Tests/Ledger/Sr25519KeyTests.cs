using Hivetrain.Ledger.Keys;

namespace Hivetrain.Tests.Ledger;

public sealed class Sr25519KeyTests
{
    // Substrate's development phrase "bottom drive obey lake … fit walk": its substrate-bip39 mini-secret and the
    // sr25519 public key `subkey inspect` prints for it (no derivation path).
    private const string DevMiniSecret = "fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e";
    private const string DevPublic = "46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a";

    [Fact]
    public void Expands_the_dev_mini_secret_to_the_known_public_key()
    {
        var pair = Sr25519.FromMiniSecret(Convert.FromHexString(DevMiniSecret));
        Assert.Equal(DevPublic, Convert.ToHexStringLower(pair.PublicKey));
        Assert.Equal("5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV", pair.Ss58Address);
    }

    [Fact]
    public void Secret_key_round_trips_to_the_same_pair()
    {
        var pair = Sr25519.FromMiniSecret(Convert.FromHexString(DevMiniSecret));
        var again = Sr25519.FromSecretKey(pair.SecretKey!);
        Assert.Equal(pair.PublicKey, again.PublicKey);
    }

    [Fact]
    public void Secret_scalar_is_clamped_and_divided_by_the_cofactor()
    {
        var pair = Sr25519.FromMiniSecret(new byte[32]);
        // 2^254 / 8 sets bit 251; anything at or above bit 252 would exceed the clamped range.
        Assert.Equal(0, pair.SecretKey![31] & 0xf0);
        Assert.NotEqual(0, pair.SecretKey[31] & 0x08);
    }

    [Fact]
    public void Rejects_a_mini_secret_of_the_wrong_length() =>
        Assert.Throws<ArgumentException>(() => Sr25519.FromMiniSecret(new byte[31]));
}
