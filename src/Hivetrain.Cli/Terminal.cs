using Spectre.Console;

namespace Hivetrain.Cli;

/// <summary>
/// Where the command's output goes and how it should look there: a person's terminal gets live bars, colour and
/// tables fitted to its width; a file, a pipe or a CI log gets plain progress lines and tables at their full width,
/// without escape codes. <c>NO_COLOR</c> (https://no-color.org) turns colour off everywhere.
/// </summary>
internal static class Terminal
{
    /// <summary>
    /// The width a redirected table or line may take: wide enough that no row of ours wraps, so that every row stays
    /// one line in a log (Spectre.Console would otherwise assume 80 columns and break rows into fragments).
    /// </summary>
    public const int RedirectedWidth = 10_000;

    /// <summary>Whether standard output is a person's terminal: live progress bars there, plain lines everywhere else.</summary>
    public static bool Live { get; } = IsLive(Console.IsOutputRedirected, Environment.GetEnvironmentVariable);

    /// <summary>Whether colour is wanted at all (<c>NO_COLOR</c> unset or empty, as the convention says).</summary>
    public static bool Colors { get; } = WantsColor(Environment.GetEnvironmentVariable);

    /// <summary>Points Spectre.Console's <see cref="AnsiConsole"/> at standard output as it is (terminal or not).</summary>
    public static void Use() => AnsiConsole.Console = Create(Console.Out, Console.IsOutputRedirected, Environment.GetEnvironmentVariable);

    /// <summary>A console writing to <paramref name="output"/>, styled for a terminal or, when <paramref name="redirected"/>, for a file.</summary>
    public static IAnsiConsole Create(TextWriter output, bool redirected, Func<string, string?> environment)
    {
        bool live = IsLive(redirected, environment);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected || !WantsColor(environment) ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = live ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (redirected) console.Profile.Width = RedirectedWidth;
        return console;
    }

    /// <summary>
    /// Writes <paramref name="heading"/> as a line of its own, then <paramref name="table"/>. A Spectre.Console title is
    /// wrapped (and long words cut) to the table's width, which breaks a heading longer than its table over many lines.
    /// </summary>
    public static void WriteTable(string heading, Table table)
    {
        AnsiConsole.Write(new Text(heading + "\n", new Style(decoration: Decoration.Bold)));
        AnsiConsole.Write(table);
    }

    private static bool IsLive(bool redirected, Func<string, string?> environment) =>
        !redirected && string.IsNullOrEmpty(environment("CI")) && environment("TERM") != "dumb";

    private static bool WantsColor(Func<string, string?> environment) => string.IsNullOrEmpty(environment("NO_COLOR"));
}
