using System.Text.RegularExpressions;

namespace Hivetrain.Cli.Chaos;

/// <summary>
/// What the roles' logs say: the rounds that failed and were retried (<see cref="Roles.RoundBoundary"/>'s "round failed"
/// lines), counted per role and per exception type, as information; and the crashes: the runtime's "Unhandled exception"
/// and a role's one-line start error ("error: ROLE: …"), each of which ends the process.
/// </summary>
internal static partial class LogAudit
{
    public static LogAuditResult Scan(IEnumerable<(string Role, string LogPath)> logs)
    {
        var failedRounds = new Dictionary<string, int>(StringComparer.Ordinal);
        var kinds = new Dictionary<(string Role, string Type), (int Count, string First)>();
        var crashes = new List<string>();
        foreach (var (role, path) in logs)
        {
            failedRounds[role] = 0;
            if (!File.Exists(path)) continue;
            foreach (var line in File.ReadLines(path))
            {
                if (FailedRound().Match(line) is { Success: true } failed)
                {
                    failedRounds[role]++;
                    var key = (role, failed.Groups["type"].Value);
                    kinds[key] = kinds.TryGetValue(key, out var seen) ? (seen.Count + 1, seen.First) : (1, failed.Groups["message"].Value);
                }
                else if (line.StartsWith("Unhandled exception", StringComparison.Ordinal) || line.StartsWith($"error: ", StringComparison.Ordinal))
                    crashes.Add($"{role}: {line}");
            }
        }
        var failures = kinds.OrderByDescending(k => k.Value.Count)
            .Select(k => $"{k.Key.Role}: {k.Key.Type} ×{k.Value.Count}, e.g. {k.Value.First}").ToList();
        return new LogAuditResult(failedRounds, failures, crashes);
    }

    [GeneratedRegex(@"round failed \(\d+ in a row, \d+ since start\): (?<type>[\w.]+): (?<message>.*?); retrying in")]
    private static partial Regex FailedRound();
}

/// <summary>Failed rounds per role, the kinds of failure (role, exception type, count, a first message), and the crash lines.</summary>
internal sealed record LogAuditResult(IReadOnlyDictionary<string, int> FailedRounds, IReadOnlyList<string> FailureKinds, IReadOnlyList<string> Crashes);
