using System.Text.Json.Serialization;

namespace Hivetrain.Ledger;

/// <summary>
/// The unencrypted JSON keyfile Bittensor writes for a key (hex fields with a 0x prefix; the secrets are null
/// in a public-only <c>…pub.txt</c> file).
/// </summary>
internal sealed record WalletKeyfile(
    [property: JsonPropertyName("accountId")] string? AccountId,
    [property: JsonPropertyName("publicKey")] string? PublicKey,
    [property: JsonPropertyName("privateKey")] string? PrivateKey,
    [property: JsonPropertyName("secretPhrase")] string? SecretPhrase,
    [property: JsonPropertyName("secretSeed")] string? SecretSeed,
    [property: JsonPropertyName("ss58Address")] string? Ss58Address);
