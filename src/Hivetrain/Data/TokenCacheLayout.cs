using System.Buffers.Binary;
using Hivetrain.Model;

namespace Hivetrain.Data;

/// <summary>The token cache file's header and document records (see <see cref="TokenCacheWriter"/>).</summary>
internal static class TokenCacheLayout
{
    public const int HeaderBytes = 64;
    public const int RecordBytes = 16;
    private static ReadOnlySpan<byte> Magic => "HVTOKENS"u8;

    public static long RecordsOffset(long tokens) => (HeaderBytes + tokens * 2 + 7) / 8 * 8;

    /// <summary>
    /// The header; <paramref name="vocabulary"/> and <paramref name="endOfText"/> are set (non-zero) only in a compacted
    /// cache, whose ids are renumbered (<see cref="TokenCorpus.CompactAsync"/>); 0 means GPT-2's own ids.
    /// </summary>
    public static byte[] Header(long documents, long tokens, int vocabulary = 0, int endOfText = 0)
    {
        var header = new byte[HeaderBytes];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), CorpusSource.FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), documents);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(24), tokens);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(32), vocabulary);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(36), endOfText);
        return header;
    }

    /// <summary>The vocabulary size and end-of-text id of a header: GPT-2's unless the cache is compacted.</summary>
    public static (int Vocabulary, int EndOfText) ReadVocabulary(ReadOnlySpan<byte> header)
    {
        int vocabulary = BinaryPrimitives.ReadInt32LittleEndian(header[32..]);
        int endOfText = BinaryPrimitives.ReadInt32LittleEndian(header[36..]);
        return vocabulary > 0 && endOfText >= 0 && endOfText < vocabulary ? (vocabulary, endOfText) : (Tokenizer.VocabularySize, Tokenizer.EndOfText);
    }

    /// <summary>Document and token counts of a well-formed header for a file of <paramref name="fileLength"/> bytes, else null.</summary>
    public static (long Documents, long Tokens)? ReadHeader(ReadOnlySpan<byte> header, long fileLength)
    {
        if (header.Length < HeaderBytes || !header[..8].SequenceEqual(Magic)) return null;
        if (BinaryPrimitives.ReadInt32LittleEndian(header[8..]) != CorpusSource.FormatVersion) return null;
        long documents = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        long tokens = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
        if (documents <= 0 || tokens < 0 || documents > int.MaxValue || tokens > (long.MaxValue - HeaderBytes) / 4) return null;
        return RecordsOffset(tokens) + documents * RecordBytes == fileLength ? (documents, tokens) : null;
    }

    /// <summary>
    /// Ends a cache whose <paramref name="tokens"/> tokens have just been written to <paramref name="output"/>: pads to the
    /// records' offset and writes <paramref name="records"/>.
    /// </summary>
    public static void WriteRecords(Stream output, long tokens, IEnumerable<DocumentRecord> records)
    {
        output.Write(new byte[RecordsOffset(tokens) - output.Position]);
        var record = new byte[RecordBytes];
        foreach (var r in records)
        {
            WriteRecord(record, r);
            output.Write(record);
        }
    }

    public static void WriteRecord(Span<byte> destination, DocumentRecord record)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, record.ShardKey);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], record.Length);
        destination[12] = (byte)record.Split;
        destination[13] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[14..], record.Group);
    }

    public static DocumentRecord ReadRecord(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(source),
        BinaryPrimitives.ReadInt32LittleEndian(source[8..]),
        (SplitName)source[12],
        BinaryPrimitives.ReadUInt16LittleEndian(source[14..]));
}
