using System.Text.Json;
using Hivetrain.Ledger;

namespace Hivetrain.Tests.Ledger;

public sealed class WalletTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hivetrain-wallet-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Created_hotkey_loads_back_with_the_same_keys()
    {
        var created = Wallet.CreateHotkey(_root, "miner", "default");
        var loaded = Wallet.LoadHotkey(_root, "miner", "default");
        Assert.Equal(created.PublicKey, loaded.PublicKey);
        Assert.Equal(created.SecretKey, loaded.SecretKey);
        Assert.Equal(created.Ss58Address, loaded.Ss58Address);
    }

    [Fact]
    public void Keyfile_is_laid_out_and_formatted_like_bittensor()
    {
        var created = Wallet.CreateHotkey(_root, "miner", "default");
        var file = Path.Combine(_root, "miner", "hotkeys", "default");
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        var hex = "0x" + Convert.ToHexStringLower(created.PublicKey);
        Assert.Equal(hex, json.RootElement.GetProperty("accountId").GetString());
        Assert.Equal(hex, json.RootElement.GetProperty("publicKey").GetString());
        Assert.Equal(created.Ss58Address, json.RootElement.GetProperty("ss58Address").GetString());
        Assert.Equal(66, json.RootElement.GetProperty("secretSeed").GetString()!.Length);
        Assert.Equal(130, json.RootElement.GetProperty("privateKey").GetString()!.Length);
        using var pub = JsonDocument.Parse(File.ReadAllText(file + "pub.txt"));
        Assert.Equal(JsonValueKind.Null, pub.RootElement.GetProperty("privateKey").ValueKind);
        Assert.Equal(created.Ss58Address, pub.RootElement.GetProperty("ss58Address").GetString());
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public void Refuses_to_overwrite_an_existing_hotkey()
    {
        var first = Wallet.CreateHotkey(_root, "miner", "default");
        var error = Assert.Throws<WalletException>(() => Wallet.CreateHotkey(_root, "miner", "default"));
        Assert.Equal(WalletErrorReason.KeyfileExists, error.Reason);
        Assert.Equal(first.PublicKey, Wallet.LoadHotkey(_root, "miner", "default").PublicKey);
    }

    [Fact]
    public void Missing_keyfile_is_named()
    {
        var error = Assert.Throws<WalletException>(() => Wallet.LoadHotkey(_root, "nobody", "default"));
        Assert.Equal(WalletErrorReason.KeyfileMissing, error.Reason);
        Assert.Contains(Path.Combine("nobody", "hotkeys", "default"), error.Message);
    }

    [Theory]
    [InlineData("$NACL\u0001\u0002", WalletErrorReason.KeyfileEncrypted)]
    [InlineData("{not json", WalletErrorReason.KeyfileCorrupt)]
    [InlineData("null", WalletErrorReason.KeyfileCorrupt)]
    [InlineData("{\"secretSeed\":\"0x1234\"}", WalletErrorReason.KeyfileCorrupt)]
    [InlineData("{\"secretSeed\":\"0xzz\"}", WalletErrorReason.KeyfileCorrupt)]
    [InlineData("{\"publicKey\":\"0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d\"}", WalletErrorReason.NoSecret)]
    [InlineData("{\"secretSeed\":\"0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e\",\"publicKey\":\"0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d\"}", WalletErrorReason.KeyMismatch)]
    public void Unreadable_keyfiles_are_rejected_with_their_reason(string content, WalletErrorReason reason)
    {
        var file = Path.Combine(_root, "w", "hotkeys", "h");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
        Assert.Equal(reason, Assert.Throws<WalletException>(() => Wallet.LoadHotkey(_root, "w", "h")).Reason);
    }

    [Fact]
    public void Loads_a_keyfile_holding_only_the_private_key()
    {
        var created = Wallet.CreateHotkey(_root, "miner", "default");
        var file = Path.Combine(_root, "only-private", "hotkeys", "h");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, $"{{\"privateKey\":\"0x{Convert.ToHexStringLower(created.SecretKey!)}\",\"publicKey\":\"0x{Convert.ToHexStringLower(created.PublicKey)}\"}}");
        Assert.Equal(created.PublicKey, Wallet.LoadHotkey(_root, "only-private", "h").PublicKey);
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a/b")]
    public void Rejects_names_that_are_not_a_single_path_segment(string name) =>
        Assert.Throws<ArgumentException>(() => Wallet.HotkeyPath(_root, name, "default"));

    [Fact]
    public void Created_hotkey_phrase_gives_the_same_key_again()
    {
        var created = Wallet.CreateHotkeyWithPhrase(_root, "miner", "default");
        Assert.Equal(12, created.Phrase!.Split(' ').Length);
        Assert.Equal(created.Keypair.PublicKey, Hivetrain.Ledger.Keys.SecretUri.Parse(created.Phrase).Keypair.PublicKey);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_root, "miner", "hotkeys", "default")));
        Assert.Equal(created.Phrase, json.RootElement.GetProperty("secretPhrase").GetString());
    }

    [Fact]
    public void Imported_uri_stores_the_derived_seed_and_loads_back()
    {
        var alice = Wallet.ImportHotkey(_root, "validator", "alice", "//Alice");
        Assert.Equal("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", alice.Ss58Address);
        var loaded = Wallet.LoadHotkey(_root, "validator", "alice");
        Assert.Equal(alice.SecretKey, loaded.SecretKey);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_root, "validator", "hotkeys", "alice")));
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("secretPhrase").ValueKind);
        Assert.Equal(WalletErrorReason.InvalidSecretUri,
            Assert.Throws<WalletException>(() => Wallet.ImportHotkey(_root, "validator", "bad", "//Alice/soft")).Reason);
    }

    [Fact]
    public void A_mistyped_mnemonic_word_or_a_soft_junction_is_named_without_quoting_the_secret()
    {
        var words = Hivetrain.Ledger.Keys.SecretUri.DevPhrase.Split(' ');
        words[6] = "xyzzy";
        var mistyped = Assert.Throws<WalletException>(() => Wallet.ImportHotkey(_root, "w", "h", string.Join(' ', words)));
        Assert.Contains("word 7 is not in the BIP39 English word list", mistyped.Message);
        Assert.DoesNotContain("xyzzy", mistyped.Message);
        var soft = Assert.Throws<WalletException>(() => Wallet.ImportHotkey(_root, "w", "h", "//Alice/hiddenjunction"));
        Assert.DoesNotContain("hiddenjunction", soft.Message);
    }
}
