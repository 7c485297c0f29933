using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Hivetrain.Model;

namespace Hivetrain.Data;

/// <summary>
/// Some documents of a <see cref="TokenCorpus"/> (a split, or a shard of one), in corpus order.
/// Its <em>stream</em> is the documents joined by <c>&lt;|endoftext|&gt;</c>, one after each document.
/// Valid while its corpus is open.
/// </summary>
public sealed class TokenSplit
{
    private readonly TokenCorpus _corpus;
    private readonly int[] _documents;
    private readonly long[] _streamStarts;

    internal TokenSplit(TokenCorpus corpus, SplitName name, int[] documents, string description)
    {
        _corpus = corpus;
        _documents = documents;
        Name = name;
        Description = description;
        _streamStarts = new long[documents.Length + 1];
        for (int i = 0; i < documents.Length; i++)
            _streamStarts[i + 1] = _streamStarts[i] + corpus.Record(documents[i]).Length + 1;
    }

    public SplitName Name { get; }
    /// <summary>The corpus, split and shard, for messages.</summary>
    public string Description { get; }
    public int DocumentCount => _documents.Length;
    /// <summary>Tokens in the stream, one <c>&lt;|endoftext|&gt;</c> per document included.</summary>
    public long StreamLength => _streamStarts[^1];

    /// <summary>
    /// Whether each id of the corpus's vocabulary occurs in this split's stream (its documents and the end-of-text
    /// separator): the ids a window of it can hold. Computed on the first call (one pass over the split's tokens).
    /// </summary>
    public IReadOnlyList<bool> IdsInUse => _idsInUse ??= ScanIdsInUse();

    private bool[]? _idsInUse;

    private bool[] ScanIdsInUse()
    {
        var inUse = new bool[_corpus.VocabularySize];
        inUse[_corpus.EndOfText] = true;
        for (int d = 0; d < _documents.Length; d++)
            foreach (ushort id in Document(d))
                inUse[id] = true;
        return inUse;
    }

    /// <summary>The tokens of document <paramref name="index"/> (0 ≤ index &lt; <see cref="DocumentCount"/>).</summary>
    public ReadOnlySpan<ushort> Document(int index) => _corpus.Tokens(_documents[index]);

    /// <summary>
    /// Shard <paramref name="index"/> of <paramref name="count"/>: disjoint for different indices, together the
    /// whole split, the same on every machine. With <paramref name="skew"/> &gt; 0, that fraction of the documents
    /// goes by group (synthetic dialect or source file) instead of by hash, so shards differ in distribution.
    /// </summary>
    public TokenSplit Shard(int index, int count, double skew = 0)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "The shard count must be at least 1.");
        if ((uint)index >= (uint)count) throw new ArgumentOutOfRangeException(nameof(index), index, $"The shard index must be in [0, {count}).");
        if (skew is < 0 or > 1 || double.IsNaN(skew)) throw new ArgumentOutOfRangeException(nameof(skew), skew, "The skew must be in [0, 1].");
        var documents = _documents.Where(d => ShardOf(_corpus.Record(d), count, skew, _corpus.GroupCount) == index).ToArray();
        var skewNote = skew > 0 ? $", skew {skew:0.##}" : "";
        return new TokenSplit(_corpus, Name, documents, $"{Description} shard {index}/{count}{skewNote}");
    }

    /// <summary>The shard index of a participant (e.g. a hotkey) among <paramref name="count"/> shards, from a SHA-256 of its id.</summary>
    public static int ShardIndexFor(string participantId, int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "The shard count must be at least 1.");
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(participantId));
        return (int)(BinaryPrimitives.ReadUInt64LittleEndian(digest) % (ulong)count);
    }

    /// <summary>An endless source of packed training windows over this split, in an order fixed by <paramref name="seed"/>.</summary>
    /// <exception cref="CorpusException">The split has no document.</exception>
    public IWindowSource Windows(ulong seed)
    {
        RequireDocuments();
        return new PackedWindowSource(this, seed);
    }

    /// <summary>Throws <see cref="CorpusException"/> (<see cref="CorpusErrorReason.EmptySplit"/>) when the split has no document.</summary>
    public void RequireDocuments()
    {
        if (DocumentCount == 0)
            throw new CorpusException(CorpusErrorReason.EmptySplit, $"{Description}: no document in this split (the corpus is too small).");
    }

    /// <summary>Groups of the corpus (source file, or synthetic dialect): one more than the largest.</summary>
    internal int GroupCount => _corpus.GroupCount;

    /// <summary>The group of the document holding stream position <paramref name="position"/>.</summary>
    internal int GroupAt(long position) => _corpus.Record(_documents[DocumentAt(position)]).Group;

    /// <summary>The assignment of <paramref name="slot"/> on <paramref name="baseRevision"/> (see <see cref="DataAssignment"/>).</summary>
    public DataAssignment Assignment(string baseRevision, AssignmentRule rule, int slot) =>
        DataAssignment.For(this, baseRevision, rule, slot);

    private int DocumentAt(long position)
    {
        int document = Array.BinarySearch(_streamStarts, position);
        return document < 0 ? ~document - 1 : document;
    }

    /// <summary>The windows of <paramref name="context"/> + 1 tokens starting at stream positions <paramref name="starts"/>, with their groups.</summary>
    internal TokenWindows Rows(IReadOnlyList<long> starts, int context)
    {
        int rowLength = context + 1;
        var ids = new int[checked(starts.Count * rowLength)];
        var groups = new int[starts.Count];
        for (int r = 0; r < starts.Count; r++)
        {
            CopyStream(starts[r], ids.AsSpan(r * rowLength, rowLength));
            groups[r] = GroupAt(starts[r]);
        }
        return new TokenWindows(ids, starts.Count, context) { Groups = groups };
    }

    /// <summary>Copies the stream from <paramref name="position"/> on, wrapping to its start, into <paramref name="destination"/>.</summary>
    internal void CopyStream(long position, Span<int> destination)
    {
        int document = DocumentAt(position);
        int offset = (int)(position - _streamStarts[document]);
        int written = 0;
        while (written < destination.Length)
        {
            written += CopyDocument(document, offset, destination[written..]);
            document = document + 1 == _documents.Length ? 0 : document + 1;
            offset = 0;
        }
    }

    /// <summary>Copies document <paramref name="document"/> and its end-of-text from <paramref name="offset"/>, as far as fits; returns the count.</summary>
    internal int CopyDocument(int document, int offset, Span<int> destination)
    {
        var tokens = Document(document);
        int count = Math.Min(tokens.Length - Math.Min(offset, tokens.Length), destination.Length);
        for (int i = 0; i < count; i++) destination[i] = tokens[offset + i];
        if (count < destination.Length && offset + count == tokens.Length)
        {
            destination[count] = _corpus.EndOfText;
            count++;
        }
        return count;
    }

    private static int ShardOf(DocumentRecord record, int count, double skew, int groups)
    {
        ulong key = record.ShardKey;
        bool byGroup = (key & 0xFFFFFFFF) * (1.0 / 4294967296.0) < skew;
        ulong hash = key >> 32;
        if (!byGroup) return (int)(hash % (ulong)count);
        int group = record.Group % groups;
        if (count < groups) return group % count;
        // The shards g, g + G, g + 2G, … below count share group g's documents.
        int choices = (count - group + groups - 1) / groups;
        return group + groups * (int)(hash % (ulong)choices);
    }
}
