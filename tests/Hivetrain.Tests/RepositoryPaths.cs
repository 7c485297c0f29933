namespace Hivetrain.Tests;

/// <summary>Finds the repository root (the folder holding Hivetrain.slnx) from the test binaries.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Hivetrain.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"No Hivetrain.slnx above {AppContext.BaseDirectory}.");
    }
}
