using System.Text.Json;
using Hivetrain.Artifacts;
using Hivetrain.Roles;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hivetrain.Cli.Chaos;

/// <summary>
/// The roles' state files survive the kills. Each role's folder under <c>DIR/state</c> is opened as its role's next start
/// opens it (<see cref="StateFolder"/>: leftovers swept, an interrupted record cut off), and then nothing may have been set
/// aside as unreadable (<c>*.corrupt-*</c>: an atomic replace that was not), every JSON state file parses, every line of
/// every log is a whole JSON record, and every safetensors state file reads under the strict reader.
/// </summary>
internal static class StateAudit
{
    public static StateAuditResult Run(string stateRoot)
    {
        var problems = new List<string>();
        int files = 0;
        if (!Directory.Exists(stateRoot)) return new StateAuditResult(0, problems);
        foreach (var folder in Directory.EnumerateDirectories(stateRoot).Order(StringComparer.Ordinal))
        {
            _ = new StateFolder(folder, NullLogger.Instance);
            foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
            {
                files++;
                var name = Path.Combine(Path.GetFileName(folder), Path.GetFileName(file));
                if (Path.GetFileName(file).Contains(".corrupt-", StringComparison.Ordinal)) problems.Add($"{name}: a state file was set aside as unreadable");
                else if (Problem(file) is { } problem) problems.Add($"{name}: {problem}");
            }
        }
        return new StateAuditResult(files, problems);
    }

    /// <summary>The first line of the log that is not a whole JSON record, if any.</summary>
    private static string? LogProblem(string file)
    {
        int number = 0;
        foreach (var line in File.ReadLines(file))
        {
            number++;
            try { JsonDocument.Parse(line).Dispose(); }
            catch (JsonException e) { return $"line {number} is not a whole record: {e.Message}"; }
        }
        return null;
    }

    private static string? Problem(string file)
    {
        try
        {
            switch (Path.GetExtension(file))
            {
                case StateFolder.LogSuffix:
                    return LogProblem(file);
                case ".json":
                    using (JsonDocument.Parse(File.ReadAllBytes(file))) return null;
                case ".safetensors":
                    using (SafeTensorsReader.Open(file)) return null;
                default:
                    return null;
            }
        }
        catch (Exception e) when (e is JsonException or SafeTensorsException)
        {
            return $"does not read: {e.Message}";
        }
    }
}

/// <summary>How many state files <see cref="StateAudit"/> read, and every problem it found.</summary>
internal sealed record StateAuditResult(int Files, IReadOnlyList<string> Problems);
