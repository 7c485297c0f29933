namespace Hivetrain.Bench;

/// <summary>The benchmarks' own data files, under <c>bench/data</c> of the repository (found above the benchmark's binaries).</summary>
internal static class BenchData
{
    /// <summary>The Jane Austen corpus (real English text, 4 MB).</summary>
    public static string AustenPath => Path.Combine(Folder, "jane_austen.txt");

    private static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Hivetrain.slnx"))) return Path.Combine(dir.FullName, "bench", "data");
            throw new InvalidOperationException($"No Hivetrain.slnx above {AppContext.BaseDirectory}: run the benchmarks from the repository.");
        }
    }
}
