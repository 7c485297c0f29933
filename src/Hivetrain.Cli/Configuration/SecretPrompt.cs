using System.Text;

namespace Hivetrain.Cli.Configuration;

/// <summary>
/// Reads one secret line from standard input: at a terminal behind a prompt with echo off, otherwise the first line
/// of what is piped in (<c>hivetrain wallet import &lt; phrase.txt</c>). Never from the command line, which other users
/// see in <c>ps</c> and the shell keeps in its history.
/// </summary>
internal static class SecretPrompt
{
    private static readonly TimeSpan KeyPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>The line (null when piped input is empty); <paramref name="prompt"/> goes to <paramref name="prompts"/> at a terminal.</summary>
    public static async Task<string?> ReadAsync(string prompt, TextWriter prompts, CancellationToken ct)
    {
        if (Console.IsInputRedirected) return await Console.In.ReadLineAsync(ct);
        await prompts.WriteAsync(prompt);
        await prompts.FlushAsync(ct);
        var line = new StringBuilder();
        while (true)
        {
            // Polled so that Ctrl+C (the token) ends the prompt: ReadKey itself cannot be cancelled.
            while (!Console.KeyAvailable) await Task.Delay(KeyPoll, ct);
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    await prompts.WriteLineAsync();
                    return line.ToString();
                case ConsoleKey.Backspace:
                    if (line.Length > 0) line.Length--;
                    break;
                default:
                    if (!char.IsControl(key.KeyChar)) line.Append(key.KeyChar);
                    break;
            }
        }
    }
}
