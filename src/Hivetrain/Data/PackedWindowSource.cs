namespace Hivetrain.Data;

/// <summary>
/// Training windows cut one after another from a split's documents joined by <c>&lt;|endoftext|&gt;</c>,
/// the document order reshuffled every epoch from the seed, so no token repeats within an epoch.
/// </summary>
internal sealed class PackedWindowSource : IWindowSource
{
    private readonly TokenSplit _split;
    private readonly SeededRandom _random;
    private readonly int[] _order;
    private int _next;   // position in _order of the current document
    private int _offset; // tokens of the current document already used (its length = its end-of-text)

    public PackedWindowSource(TokenSplit split, ulong seed)
    {
        _split = split;
        _random = new SeededRandom(seed);
        _order = Enumerable.Range(0, split.DocumentCount).ToArray();
        _random.Shuffle(_order);
    }

    public TokenWindows Next(int rows, int context)
    {
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "At least one row.");
        if (context < 1) throw new ArgumentOutOfRangeException(nameof(context), context, "The context must be at least 1.");
        var ids = new int[checked(rows * (context + 1))];
        var rest = ids.AsSpan();
        while (rest.Length > 0)
        {
            int copied = _split.CopyDocument(_order[_next], _offset, rest);
            rest = rest[copied..];
            _offset += copied;
            if (_offset > _split.Document(_order[_next]).Length) NextDocument();
        }
        return new TokenWindows(ids, rows, context);
    }

    private void NextDocument()
    {
        _offset = 0;
        if (++_next < _order.Length) return;
        _next = 0;
        _random.Shuffle(_order);
    }
}
