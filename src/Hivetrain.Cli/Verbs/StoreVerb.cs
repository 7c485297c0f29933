using System.CommandLine;
using Hivetrain.Storage;
using Spectre.Console;

namespace Hivetrain.Cli.Verbs;

/// <summary><c>hivetrain store ls|log|get</c>: look into the local model store.</summary>
internal static class StoreVerb
{
    public static Command Create()
    {
        var storePath = new Option<string>("--store.path")
        {
            Description = "The local store's directory.",
            DefaultValueFactory = _ => "./network/store",
            Recursive = true,
        };
        var command = new Command("store", "Inspect the local model store: repositories, their commits and files.") { storePath };
        command.Subcommands.Add(List(storePath));
        command.Subcommands.Add(Log(storePath));
        command.Subcommands.Add(Get(storePath));
        return command;
    }

    private static Command List(Option<string> storePath)
    {
        var repo = new Argument<string?>("repo") { Description = "A repository (owner/name): list its files instead of the repositories.", Arity = ArgumentArity.ZeroOrOne };
        var revision = RevisionOption();
        var command = new Command("ls", "List repositories, or the files of one repository's revision.") { repo, revision };
        command.SetAction((parse, ct) => OneLineErrors.RunAsync(parse, async () =>
        {
            var store = Open(parse.GetValue(storePath)!);
            var repoId = parse.GetValue(repo);
            var table = new Table();
            if (repoId is null)
            {
                table.AddColumns("Repository", "Latest revision", "Commits", "Last commit (UTC)");
                foreach (var id in await store.ListRepositoriesAsync(ct))
                {
                    var history = await store.ListRevisionsAsync(id, null, ct);
                    table.AddRow(Cells(id, history.Count > 0 ? history[0].Revision[..12] : "-", history.Count.ToString(),
                        history.Count > 0 ? history[0].CreatedAt.ToString("yyyy-MM-dd HH:mm:ss") : "-"));
                }
            }
            else
            {
                var resolved = await ResolveAsync(store, repoId, parse.GetValue(revision), ct);
                table.AddColumns("Path", "Bytes");
                foreach (var path in await store.ListFilesAsync(repoId, resolved, ct))
                    table.AddRow(Cells(path, new FileInfo(await store.GetLocalPathAsync(repoId, resolved, path, ct)).Length.ToString("N0")));
                Terminal.WriteTable($"{repoId} @ {resolved}", table);
                return 0;
            }
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Log(Option<string> storePath)
    {
        var repo = new Argument<string>("repo") { Description = "The repository (owner/name)." };
        var limit = new Option<int?>("--limit") { Description = "Show at most this many commits." };
        var command = new Command("log", "List a repository's commits, newest first.") { repo, limit };
        command.SetAction((parse, ct) => OneLineErrors.RunAsync(parse, async () =>
        {
            var store = Open(parse.GetValue(storePath)!);
            var table = new Table().AddColumns(new TableColumn("Revision").NoWrap(), new TableColumn("Parent"),
                new TableColumn("Created (UTC)"), new TableColumn("Message"));
            foreach (var c in await store.ListRevisionsAsync(parse.GetValue(repo)!, parse.GetValue(limit), ct))
                table.AddRow(Cells(c.Revision, c.Parent?[..12] ?? "-", c.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss"), c.Message));
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Get(Option<string> storePath)
    {
        var repo = new Argument<string>("repo") { Description = "The repository (owner/name)." };
        var path = new Argument<string>("path") { Description = "The file's path in the repository." };
        var revision = RevisionOption();
        var output = new Option<string?>("--out") { Description = "Write the file here instead of to standard output." };
        var command = new Command("get", "Copy one file of a revision out of the store.") { repo, path, revision, output };
        command.SetAction((parse, ct) => OneLineErrors.RunAsync(parse, async () =>
        {
            var store = Open(parse.GetValue(storePath)!);
            var repoId = parse.GetValue(repo)!;
            var resolved = await ResolveAsync(store, repoId, parse.GetValue(revision), ct);
            await using var source = await store.OpenReadAsync(repoId, resolved, parse.GetValue(path)!, ct);
            var outFile = parse.GetValue(output);
            await using var target = outFile is null ? Console.OpenStandardOutput() : File.Create(outFile);
            await source.CopyToAsync(target, ct);
            return 0;
        }));
        return command;
    }

    private static Option<string?> RevisionOption() =>
        new("--revision") { Description = "A revision id or a unique prefix of one (default: the latest)." };

    private static LocalStore Open(string root)
    {
        if (!Directory.Exists(root))
            throw new StoreException(StoreErrorReason.Unavailable, $"no store at {Path.GetFullPath(root)}");
        return new LocalStore(root);
    }

    /// <summary>The latest revision, or the one revision of the history that <paramref name="prefix"/> starts.</summary>
    private static async Task<string> ResolveAsync(LocalStore store, string repoId, string? prefix, CancellationToken ct)
    {
        if (prefix is null)
            return await store.GetLatestRevisionAsync(repoId, ct)
                ?? throw new StoreException(StoreErrorReason.RevisionNotFound, $"repository '{repoId}' has no commits yet");
        var matches = (await store.ListRevisionsAsync(repoId, null, ct)).Where(c => c.Revision.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0].Revision,
            0 => throw new StoreException(StoreErrorReason.RevisionNotFound, $"repository '{repoId}' has no revision starting with '{prefix}'"),
            _ => throw new StoreException(StoreErrorReason.InvalidArgument, $"'{prefix}' matches {matches.Count} revisions of '{repoId}'; give more digits"),
        };
    }

    private static Spectre.Console.Rendering.IRenderable[] Cells(params string[] values) => values.Select(v => new Text(v)).ToArray();
}
