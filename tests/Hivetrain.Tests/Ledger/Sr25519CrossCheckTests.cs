using Hivetrain.Ledger;
using Hivetrain.Ledger.Keys;

namespace Hivetrain.Tests.Ledger;

/// <summary>Keys, mnemonics and signatures against @polkadot/util-crypto (schnorrkel compiled to wasm).</summary>
public sealed class Sr25519CrossCheckTests
{
    private const string Phrase = "legal winner thank year wave sausage worth useful legal winner thank yellow";

    [Fact]
    public void Alice_uri_gives_the_known_development_key()
    {
        var alice = SecretUri.Parse("//Alice").Keypair;
        Assert.Equal("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d", Convert.ToHexStringLower(alice.PublicKey));
        Assert.Equal("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", alice.Ss58Address);
        Assert.Equal("8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48",
            Convert.ToHexStringLower(SecretUri.Parse("//Bob").Keypair.PublicKey));
    }

    [Fact]
    public void Keys_from_uris_equal_the_references()
    {
        string[] uris = ["//Alice", "//Alice//stash", $"{Phrase}", $"{Phrase}//hivetrain//7", $"{Phrase}///secret",
            "0x" + new string('a', 64) + "//x", $"{Phrase}//a-junction-longer-than-thirty-two-bytes-gets-hashed"];
        var answers = PolkadotReference.Run([.. uris.Select(u => (object)new { op = "pair", uri = u })]);
        if (answers is null) return;
        for (int i = 0; i < uris.Length; i++)
        {
            var ours = SecretUri.Parse(uris[i]).Keypair;
            Assert.Equal(PolkadotReference.Bytes(answers[i], "publicKey"), ours.PublicKey);
            Assert.Equal(answers[i].GetProperty("address").GetString(), ours.Ss58Address);
            Assert.Equal(Sr25519.FromEd25519SecretBytes(PolkadotReference.Bytes(answers[i], "secretKey")), ours.SecretKey);
        }
    }

    [Fact]
    public void Mnemonic_mini_secret_and_entropy_equal_the_references()
    {
        var phrase = Mnemonic.FromEntropy(Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray());
        var answers = PolkadotReference.Run(new { op = "mnemonic", phrase = Phrase, password = "pw" }, new { op = "mnemonic", phrase });
        if (answers is null) return;
        Assert.Equal(PolkadotReference.Bytes(answers[0], "miniSecret"), Mnemonic.ToMiniSecret(Phrase, "pw"));
        Assert.Equal(PolkadotReference.Bytes(answers[0], "entropy"), Mnemonic.ToEntropy(Phrase));
        Assert.Equal(PolkadotReference.Bytes(answers[1], "miniSecret"), Mnemonic.ToMiniSecret(phrase));
    }

    [Fact]
    public void Our_signatures_verify_there_and_theirs_verify_here()
    {
        var alice = SecretUri.Parse("//Alice").Keypair;
        byte[] message = [.. "hivetrain weights"u8];
        byte[] tampered = [.. "hivetrain weightz"u8];
        var ours = Sr25519.Sign(alice, message);
        var answers = PolkadotReference.Run(
            new { op = "verify", publicKey = PolkadotReference.Hex(alice.PublicKey), message = PolkadotReference.Hex(message), signature = PolkadotReference.Hex(ours) },
            new { op = "verify", publicKey = PolkadotReference.Hex(alice.PublicKey), message = PolkadotReference.Hex(tampered), signature = PolkadotReference.Hex(ours) },
            new { op = "sign", uri = "//Alice", message = PolkadotReference.Hex(message) });
        if (answers is null) return;
        Assert.True(answers[0].GetProperty("valid").GetBoolean());
        Assert.False(answers[1].GetProperty("valid").GetBoolean());
        var theirs = PolkadotReference.Bytes(answers[2], "signature");
        Assert.True(Sr25519.Verify(alice.PublicKey, message, theirs));
        Assert.False(Sr25519.Verify(alice.PublicKey, tampered, theirs));
    }
}
