using System.Text;

namespace Hivetrain.Cli.Configuration;

/// <summary>
/// A text writer that holds each line until it ends (or is flushed) and writes it with the given secrets redacted, so
/// that no error, wherever it is written from, prints a value given to a secret flag.
/// </summary>
internal sealed class RedactingWriter(TextWriter inner, IReadOnlyList<string> secrets) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        _line.Append(value);
        if (value == '\n') Flush();
    }

    public override void Write(string? value)
    {
        if (value is null) return;
        _line.Append(value);
        if (value.Contains('\n')) Flush();
    }

    public override void Flush()
    {
        if (_line.Length > 0)
        {
            inner.Write(SecretArguments.Redact(_line.ToString(), secrets));
            _line.Clear();
        }
        inner.Flush();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Flush();
        base.Dispose(disposing);
    }
}
