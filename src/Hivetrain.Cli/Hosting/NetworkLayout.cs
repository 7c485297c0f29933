namespace Hivetrain.Cli.Hosting;

/// <summary>
/// The folder of a network run by hand on one machine (<c>--network DIR</c>): the local store, the local ledger,
/// the wallets and one state folder per role instance.
/// </summary>
internal sealed record NetworkLayout(string Root)
{
    public const string DefaultRoot = "./network";

    public static NetworkLayout At(string? root) => new(Path.GetFullPath(string.IsNullOrWhiteSpace(root) ? DefaultRoot : root));

    public string Store => Path.Combine(Root, "store");

    public string Ledger => Path.Combine(Root, "ledger.db");

    public string Wallets => Path.Combine(Root, "wallets");

    /// <summary><c>DIR/state/ROLE-NAME</c>, e.g. <c>state/validator-validator-1</c> or <c>state/averager</c>.</summary>
    public string State(string role, string? name = null) => Path.Combine(Root, "state", name is null ? role : $"{role}-{name}");
}
