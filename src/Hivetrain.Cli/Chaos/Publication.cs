namespace Hivetrain.Cli.Chaos;

/// <summary>
/// One revision of an honest miner's repository as the chaos run saw it: where it sits in the history, and what its
/// delta says it is (the base it was trained on, the steps and tokens on that base, the payload's SHA-256), or why its
/// delta could not be read under the strict reader.
/// </summary>
internal sealed record Publication(string Repo, string Revision, string? Parent, DateTimeOffset CommittedAt,
    string? BaseRevision, long Steps, long Tokens, string? PayloadSha256, string? Unreadable);
