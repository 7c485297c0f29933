using System.Collections.Concurrent;
using Hivetrain.Storage;

namespace Hivetrain.Tests.TestSupport;

/// <summary>Records the steps of the durable writes (<see cref="DurableFile"/>) made under one folder while an action runs.</summary>
internal static class DurableSteps
{
    public static async Task<List<(DurableStep Step, string Path)>> RecordAsync(string folder, Func<Task> action)
    {
        var root = Path.GetFullPath(folder);
        var steps = new ConcurrentQueue<(DurableStep, string)>();
        void OnStep(DurableStep step, string path)
        {
            if (path.StartsWith(root, StringComparison.Ordinal)) steps.Enqueue((step, path));
        }
        DurableFile.StepDone += OnStep;
        try { await action(); }
        finally { DurableFile.StepDone -= OnStep; }
        return [.. steps];
    }
}
