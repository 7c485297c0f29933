using System.Security.Cryptography;
using System.Text;
using Hivetrain.Ledger;
using Hivetrain.Ledger.Keys;

namespace Hivetrain.Tests.Ledger;

public sealed class Sr25519SigningTests
{
    private static readonly Keypair Alice = SecretUri.Parse("//Alice").Keypair;

    // SHA3-256 of one short block: absorb, pad 0x06 … 0x80 at rate 136, permute, read 32 bytes.
    private static byte[] Sha3OneBlock(byte[] message)
    {
        var state = new byte[200];
        for (int i = 0; i < message.Length; i++) state[i] ^= message[i];
        state[message.Length] ^= 0x06;
        state[135] ^= 0x80;
        Keccak.Permute(state);
        return state[..32];
    }

    [Fact]
    public void Keccak_sponge_matches_sha3_256()
    {
        Assert.Equal("a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a", Convert.ToHexStringLower(Sha3OneBlock([])));
        var message = Encoding.ASCII.GetBytes("hivetrain");
        if (SHA3_256.IsSupported) Assert.Equal(SHA3_256.HashData(message), Sha3OneBlock(message));
    }

    [Fact]
    public void Merlin_transcript_matches_the_published_vector()
    {
        var t = new Transcript("test protocol");
        t.AppendMessage("some label", "some data"u8);
        var challenge = new byte[32];
        t.ChallengeBytes("challenge", challenge);
        Assert.Equal("d5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615", Convert.ToHexStringLower(challenge));
    }

    [Fact]
    public void Signature_verifies_and_binds_message_and_key()
    {
        var message = "set_weights payload"u8.ToArray();
        var signature = Sr25519.Sign(Alice, message);
        Assert.Equal(64, signature.Length);
        Assert.NotEqual(0, signature[63] & 0x80);
        Assert.True(Sr25519.Verify(Alice.PublicKey, message, signature));
        Assert.False(Sr25519.Verify(Alice.PublicKey, [.. message, 0], signature));
        Assert.False(Sr25519.Verify(SecretUri.Parse("//Bob").Keypair.PublicKey, message, signature));
    }

    [Fact]
    public void Signatures_are_randomized_but_both_verify()
    {
        var message = new byte[300];
        var first = Sr25519.Sign(Alice, message);
        var second = Sr25519.Sign(Alice, message);
        Assert.NotEqual(first, second);
        Assert.True(Sr25519.Verify(Alice.PublicKey, message, second));
    }

    [Theory]
    [InlineData(0, 0x01)]   // flip a bit of R
    [InlineData(40, 0x01)]  // flip a bit of s
    [InlineData(63, 0x80)]  // clear the schnorrkel marker
    public void Tampered_signatures_are_rejected(int index, byte mask)
    {
        var message = "m"u8.ToArray();
        var signature = Sr25519.Sign(Alice, message);
        signature[index] ^= mask;
        Assert.False(Sr25519.Verify(Alice.PublicKey, message, signature));
    }

    [Fact]
    public void Watch_only_keys_cannot_sign() =>
        Assert.Throws<ArgumentException>(() => Sr25519.Sign(Alice with { SecretKey = null }, [1]));

    [Fact]
    public void Mnemonic_round_trips_entropy_and_rejects_bad_words_and_checksums()
    {
        var entropy = RandomNumberGenerator.GetBytes(16);
        var phrase = Mnemonic.FromEntropy(entropy);
        Assert.Equal(12, phrase.Split(' ').Length);
        Assert.Equal(entropy, Mnemonic.ToEntropy(phrase));
        Assert.Equal(12, SecretUri.DevPhrase.Split(' ').Length);
        Assert.Equal("fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e", Convert.ToHexStringLower(Mnemonic.ToMiniSecret(SecretUri.DevPhrase)));
        Assert.Contains("not in the BIP39", Assert.Throws<FormatException>(() => Mnemonic.ToEntropy(SecretUri.DevPhrase.Replace("walk", "walkk"))).Message);
        Assert.Contains("checksum", Assert.Throws<FormatException>(() => Mnemonic.ToEntropy(SecretUri.DevPhrase.Replace("walk", "wall"))).Message);
        Assert.Contains("12, 15", Assert.Throws<FormatException>(() => Mnemonic.ToEntropy("abandon abandon")).Message);
    }

    [Theory]
    [InlineData("//Alice/soft")]
    [InlineData("0x1234")]
    [InlineData("not a mnemonic at all")]
    [InlineData("//")]
    public void Invalid_secret_uris_are_named(string uri) =>
        Assert.Equal(WalletErrorReason.InvalidSecretUri, Assert.Throws<WalletException>(() => SecretUri.Parse(uri)).Reason);

    [Fact]
    public void Deterministic_signatures_repeat_and_verify_and_differ_per_message()
    {
        var pair = Hivetrain.Ledger.Keys.Sr25519.FromMiniSecret(Enumerable.Repeat((byte)7, 32).ToArray());
        var first = Hivetrain.Ledger.Keys.Sr25519.SignDeterministic(pair, "delta"u8);
        Assert.Equal(first, Hivetrain.Ledger.Keys.Sr25519.SignDeterministic(pair, "delta"u8));
        Assert.True(Hivetrain.Ledger.Keys.Sr25519.Verify(pair.PublicKey, "delta"u8, first));
        Assert.NotEqual(first, Hivetrain.Ledger.Keys.Sr25519.SignDeterministic(pair, "delta2"u8));
        Assert.NotEqual(first, Hivetrain.Ledger.Keys.Sr25519.Sign(pair, "delta"u8)); // hedged signing adds randomness
    }
}
