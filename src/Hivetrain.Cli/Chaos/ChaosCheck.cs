namespace Hivetrain.Cli.Chaos;

/// <summary>One invariant of a chaos run: its name, whether it held, its figures in one line, and what broke it.</summary>
internal sealed record ChaosCheck(string Name, bool Held, string Figures, IReadOnlyList<string> Problems);
