namespace Hivetrain.Simulation;

/// <summary>Command-line names of the adversary kinds (<c>noise,nan,huge_norm,wrong_shape,copier,stale,malformed</c>).</summary>
public static class AdversaryNames
{
    public static string Of(AdversaryKind kind) => kind switch
    {
        AdversaryKind.HugeNorm => "huge_norm",
        AdversaryKind.WrongShape => "wrong_shape",
        _ => kind.ToString().ToLowerInvariant(),
    };

    public static IReadOnlyList<string> All { get; } = Enum.GetValues<AdversaryKind>().Select(Of).ToList();

    /// <summary>Parses a comma-separated list; "all" means one of each kind.</summary>
    public static IReadOnlyList<AdversaryKind> ParseList(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim() == "none") return [];
        if (text.Trim() == "all") return Enum.GetValues<AdversaryKind>();
        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(name =>
            Enum.GetValues<AdversaryKind>().FirstOrDefault(k => Of(k) == name.ToLowerInvariant().Replace('-', '_'), (AdversaryKind)(-1)) is var kind && Enum.IsDefined(kind)
                ? kind
                : throw new ArgumentException($"unknown adversary '{name}' (known: {string.Join(", ", All)}, all)")).ToList();
    }
}
