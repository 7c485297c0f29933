namespace Hivetrain.Cli.Chaos;

/// <summary>Revision ids and hashes as the chaos report prints them: their first 12 hex digits.</summary>
internal static class ShortId
{
    public static string Of(string id) => id.Length > 12 ? id[..12] : id;
}
