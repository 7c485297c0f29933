using System.Text.Json;
using Spectre.Console;

namespace Hivetrain.Cli.Chaos;

/// <summary>
/// Judges a chaos run against its invariants, prints them as one table (with the roles' starts, kills and failed rounds),
/// and writes them to <c>OUT/chaos.json</c>. The base advanced when the run published at least one round and at least
/// <see cref="ChaosOptions.MinProgress"/> of the rounds expected without kills: those the reference run published, else
/// the phase's length over the round length (an upper bound: a round also takes its close).
/// </summary>
internal static class ChaosReport
{
    public const string FileName = "chaos.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static IReadOnlyList<ChaosCheck> Judge(ChaosResult run, ChaosResult? reference, ChaosOptions options)
    {
        var store = run.Store;
        var publications = run.Publications;
        int expected = reference?.Rounds.Count ?? (int)(run.Rounds.Elapsed.TotalSeconds / options.RoundSeconds);
        double ratio = expected > 0 ? (double)run.Rounds.Count / expected : run.Rounds.Count > 0 ? 1 : 0;
        var exits = run.Roles.SelectMany(r => r.UnexpectedExits).Select(e => $"{e.Role} (start {e.Start}) exited with code {e.ExitCode} at {e.At:HH:mm:ss}");
        return
        [
            new("every revision reads back whole", store.Problems.Count == 0 && publications.Unreadable.Count == 0,
                $"{store.Revisions} revisions in {store.Repositories} repositories; {store.Bases} bases loaded, {store.Deltas} miner deltas checked",
                [.. store.Problems, .. publications.Unreadable]),
            new("the ledger is consistent", run.Ledger.Problems.Count == 0,
                $"{run.Ledger.Neurons} neurons, {run.Ledger.Commitments} commitments, {run.Ledger.WeightVectors} weight vectors", run.Ledger.Problems),
            new("state files survive the kills", run.State.Problems.Count == 0, $"{run.State.Files} state files read", run.State.Problems),
            // With --min_progress 0 progress is reported, not judged: how far a loaded machine gets in a short run is timing.
            new("the base advanced", (options.MinProgress == 0 || run.Rounds.Count >= 1) && ratio >= options.MinProgress,
                $"{run.Rounds.Count} rounds of {expected} expected ({ratio:P0}; goal ≥ {options.MinProgress:P0}), " +
                (reference is null ? "expected: the phase's length / round length" : "expected: the reference run without kills"), []),
            new("no miner published the same work twice", publications.DoublePublishes.Count == 0 && publications.Unobserved.Count == 0,
                $"{publications.Publications} publications seen", [.. publications.DoublePublishes, .. publications.Unobserved]),
            new("no role ended but by the kills", !exits.Any() && run.Logs.Crashes.Count == 0,
                $"{run.Roles.Sum(r => r.Kills)} kills, {run.Roles.Sum(r => r.Starts)} starts", [.. exits, .. run.Logs.Crashes]),
        ];
    }

    public static void Print(ChaosResult run, IReadOnlyList<ChaosCheck> checks, ChaosResult? reference)
    {
        var invariants = new Table().AddColumns("Invariant", "Result", "Figures");
        foreach (var c in checks) invariants.AddRow(new Text(c.Name), new Markup(c.Held ? "[green]held[/]" : "[red]FAILED[/]"), new Text(c.Figures));
        Terminal.WriteTable($"Chaos run: {run.Rounds.Elapsed.TotalMinutes:0.#} min, base round {run.Rounds.First} → {run.Rounds.Last}", invariants);
        foreach (var c in checks.Where(c => c.Problems.Count > 0))
            foreach (var problem in c.Problems.Take(5).Append(c.Problems.Count > 5 ? $"… and {c.Problems.Count - 5} more (see {FileName})" : null).OfType<string>())
                AnsiConsole.WriteLine($"  {c.Name}: {problem}");

        var roles = new Table().AddColumns("Role", "Starts", "Kills", "Failed rounds (retried)");
        foreach (var r in run.Roles) roles.AddRow(r.Name, $"{r.Starts}", $"{r.Kills}", $"{run.Logs.FailedRounds.GetValueOrDefault(r.Name)}");
        AnsiConsole.Write(roles);
        foreach (var kind in run.Logs.FailureKinds.Take(5)) AnsiConsole.WriteLine($"  failed rounds: {kind}");
        AnsiConsole.WriteLine($"hostile participant: {string.Join(", ", run.HostileAttacks.Select(a => $"{a.Key} ×{a.Value}"))}" +
            (run.HostileFailures.Count > 0 ? $"; {run.HostileFailures.Count} attacks failed: {run.HostileFailures[0]}" : ""));
        if (reference is not null)
            AnsiConsole.WriteLine($"reference run without kills: base round {reference.Rounds.First} → {reference.Rounds.Last} in {reference.Rounds.Elapsed.TotalMinutes:0.#} min");
        AnsiConsole.MarkupLine(checks.All(c => c.Held) ? "[green]every invariant held[/]" : "[red]invariants failed: " +
            Markup.Escape(string.Join("; ", checks.Where(c => !c.Held).Select(c => c.Name))) + "[/]");
    }

    /// <summary>Writes the checks, the rounds and the roles' records to <c>OUT/chaos.json</c>.</summary>
    public static async Task WriteAsync(string path, ChaosResult run, IReadOnlyList<ChaosCheck> checks, ChaosResult? reference, CancellationToken ct)
    {
        var summary = new
        {
            Held = checks.All(c => c.Held),
            Checks = checks,
            Rounds = new { run.Rounds.First, run.Rounds.Last, Published = run.Rounds.Count, ElapsedSeconds = run.Rounds.Elapsed.TotalSeconds },
            ReferenceRounds = reference is null ? null : new { reference.Rounds.First, reference.Rounds.Last, Published = reference.Rounds.Count },
            run.Roles,
            run.Logs.FailedRounds,
            run.Logs.FailureKinds,
            run.HostileAttacks,
            run.HostileFailures,
        };
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(summary, Json), ct);
    }
}
