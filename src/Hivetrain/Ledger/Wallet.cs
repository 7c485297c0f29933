using System.Security.Cryptography;
using System.Text.Json;
using Hivetrain.Ledger.Keys;

namespace Hivetrain.Ledger;

/// <summary>
/// Bittensor wallet hotkeys on disk: <c>WALLET_PATH/NAME/hotkeys/HOTKEY</c> holds the unencrypted JSON keyfile
/// (mode 0600) and <c>hotkeys/HOTKEYpub.txt</c> its public half, exactly as btcli lays them out, so either tool
/// can read what the other wrote.
/// </summary>
public static class Wallet
{
    /// <summary>btcli's default wallet folder, <c>~/.bittensor/wallets</c>.</summary>
    public static string DefaultPath { get; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".bittensor", "wallets");

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>The hotkey keyfile's path; a leading <c>~</c> in <paramref name="walletPath"/> is the home folder.</summary>
    public static string HotkeyPath(string walletPath, string name, string hotkey)
    {
        ValidateName(name, nameof(name));
        ValidateName(hotkey, nameof(hotkey));
        return Path.Combine(ExpandHome(walletPath), name, "hotkeys", hotkey);
    }

    /// <summary>Creates a hotkey from a new random mini-secret; refuses to overwrite an existing keyfile.</summary>
    public static Keypair CreateHotkey(string walletPath, string name, string hotkey)
    {
        var miniSecret = RandomNumberGenerator.GetBytes(Sr25519.MiniSecretLength);
        return Write(HotkeyPath(walletPath, name, hotkey), Sr25519.FromMiniSecret(miniSecret), miniSecret, phrase: null);
    }

    /// <summary>Loads a hotkey with its secret; throws <see cref="WalletException"/> naming the file and the problem.</summary>
    public static Keypair LoadHotkey(string walletPath, string name, string hotkey) =>
        ReadKeyfile(HotkeyPath(walletPath, name, hotkey));

    /// <summary>Reads one Bittensor keyfile and checks that its secret gives its public key.</summary>
    public static Keypair ReadKeyfile(string file)
    {
        if (!File.Exists(file)) throw new WalletException(WalletErrorReason.KeyfileMissing, $"no keyfile at {file}");
        var bytes = File.ReadAllBytes(file);
        if (IsEncrypted(bytes))
            throw new WalletException(WalletErrorReason.KeyfileEncrypted,
                $"{file} is password-encrypted; hotkeys must be unencrypted (recreate it with btcli without --use-password)");
        WalletKeyfile? keyfile;
        try { keyfile = JsonSerializer.Deserialize<WalletKeyfile>(bytes, Json); }
        catch (JsonException e) { throw new WalletException(WalletErrorReason.KeyfileCorrupt, $"{file} is not a JSON keyfile: {e.Message}", e); }
        if (keyfile is null) throw new WalletException(WalletErrorReason.KeyfileCorrupt, $"{file} holds JSON null, not a keyfile");
        return ToKeypair(keyfile, file);
    }

    private static Keypair ToKeypair(WalletKeyfile keyfile, string file)
    {
        var expectedPublic = keyfile.PublicKey is null ? null : Hex(keyfile.PublicKey, 32, "publicKey", file);
        Keypair pair;
        if (keyfile.SecretSeed is not null)
            pair = Sr25519.FromMiniSecret(Hex(keyfile.SecretSeed, 32, "secretSeed", file));
        else if (keyfile.PrivateKey is not null)
        {
            var secret = Hex(keyfile.PrivateKey, 64, "privateKey", file);
            pair = Sr25519.FromSecretKey(secret);
            // polkadot-js style files keep the scalar multiplied by the cofactor; accept those too.
            if (expectedPublic is not null && !pair.PublicKey.AsSpan().SequenceEqual(expectedPublic))
                pair = Sr25519.FromSecretKey(Sr25519.FromEd25519SecretBytes(secret));
        }
        else throw new WalletException(WalletErrorReason.NoSecret, $"{file} holds no secret (secretSeed and privateKey are null)");

        if (expectedPublic is not null && !pair.PublicKey.AsSpan().SequenceEqual(expectedPublic))
            throw new WalletException(WalletErrorReason.KeyMismatch, $"{file}: the secret gives public key 0x{Convert.ToHexStringLower(pair.PublicKey)}, the file says {keyfile.PublicKey}");
        if (keyfile.Ss58Address is not null && keyfile.Ss58Address != pair.Ss58Address)
            throw new WalletException(WalletErrorReason.KeyMismatch, $"{file}: the secret gives address {pair.Ss58Address}, the file says {keyfile.Ss58Address}");
        return pair;
    }

    private static Keypair Write(string file, Keypair pair, byte[]? miniSecret, string? phrase)
    {
        var publicHex = "0x" + Convert.ToHexStringLower(pair.PublicKey);
        var full = new WalletKeyfile(publicHex, publicHex, "0x" + Convert.ToHexStringLower(pair.SecretKey!),
            phrase, miniSecret is null ? null : "0x" + Convert.ToHexStringLower(miniSecret), pair.Ss58Address);
        var publicOnly = full with { PrivateKey = null, SecretPhrase = null, SecretSeed = null };
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        WriteNew(file, JsonSerializer.SerializeToUtf8Bytes(full, Json));
        WriteNew(file + "pub.txt", JsonSerializer.SerializeToUtf8Bytes(publicOnly, Json), replace: true);
        return pair;
    }

    private static void WriteNew(string file, byte[] content, bool replace = false)
    {
        var options = new FileStreamOptions { Mode = replace ? FileMode.Create : FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var stream = new FileStream(file, options);
            stream.Write(content);
        }
        catch (IOException) when (!replace && File.Exists(file))
        {
            throw new WalletException(WalletErrorReason.KeyfileExists, $"{file} already exists; refusing to overwrite a key");
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static bool IsEncrypted(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith("$NACL"u8) || bytes.StartsWith("$ANSIBLE_VAULT"u8) || bytes.StartsWith("gAAAAA"u8);

    private static byte[] Hex(string text, int length, string field, string file)
    {
        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        byte[] bytes;
        try { bytes = Convert.FromHexString(digits); }
        catch (FormatException e) { throw new WalletException(WalletErrorReason.KeyfileCorrupt, $"{file}: {field} is not hex", e); }
        if (bytes.Length != length)
            throw new WalletException(WalletErrorReason.KeyfileCorrupt, $"{file}: {field} is {bytes.Length} bytes, expected {length}");
        return bytes;
    }

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..]
            : path;

    private static void ValidateName(string value, string parameter)
    {
        if (string.IsNullOrWhiteSpace(value) || value.IndexOfAny(['/', '\\']) >= 0 || value is "." or "..")
            throw new ArgumentException($"'{value}' is not a valid wallet or hotkey name", parameter);
    }
}
