using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Hivetrain.Model;

namespace Hivetrain.Data;

/// <summary>
/// Tokenizes a corpus into a token cache file, in parallel batches, then publishes it atomically
/// (temporary file, flush, rename), so concurrent processes and crashes never expose a partial file.
/// </summary>
/// <remarks>
/// Layout (little-endian): a 64-byte header (<see cref="TokenCacheLayout"/>), the uint16 token ids of
/// every document in order, padding to 8 bytes, then one 16-byte record per document:
/// shard key (u64), token count (i32), split (u8), reserved (u8), group (u16).
/// </remarks>
internal static class TokenCacheWriter
{
    private const int BatchChars = 4 << 20;
    private const int BatchDocuments = 8192;

    public static async Task WriteAsync(CorpusSource source, string finalPath, IProgress<CorpusProgress>? progress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
        var temporary = $"{finalPath}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            await using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                output.Write(new byte[TokenCacheLayout.HeaderBytes]);
                var records = new List<DocumentRecord>();
                long tokens = 0, bytes = 0;
                var batch = new List<CorpusDocument>();
                long batchChars = 0;
                await foreach (var document in source.Documents(cancellationToken))
                {
                    batch.Add(document);
                    batchChars += document.Text.Length;
                    if (batchChars < BatchChars && batch.Count < BatchDocuments) continue;
                    (tokens, bytes) = Flush(batch, output, records, tokens, bytes);
                    batchChars = 0;
                    progress?.Report(new CorpusProgress(records.Count, source.TotalDocuments, tokens, bytes, source.TotalBytes));
                    cancellationToken.ThrowIfCancellationRequested();
                }
                (tokens, bytes) = Flush(batch, output, records, tokens, bytes);
                if (records.Count == 0)
                    throw new CorpusException(CorpusErrorReason.EmptyCorpus, $"{source.Description}: the corpus holds no document with text.");
                progress?.Report(new CorpusProgress(records.Count, source.TotalDocuments, tokens, bytes, source.TotalBytes));
                WriteTrailer(output, records, tokens);
                output.Flush(flushToDisk: true);
            }
            File.Move(temporary, finalPath, overwrite: true); // identical content under one key: last rename wins
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    private static (long Tokens, long Bytes) Flush(List<CorpusDocument> batch, Stream output, List<DocumentRecord> records, long tokens, long bytes)
    {
        if (batch.Count == 0) return (tokens, bytes);
        var ids = new int[batch.Count][];
        var hashes = new (SplitName Split, ulong ShardKey)[batch.Count];
        Parallel.For(0, batch.Count, i =>
        {
            ids[i] = Tokenizer.Gpt2.Encode(batch[i].Text);
            hashes[i] = DocumentHash.Of(batch[i].Text);
        });
        var buffer = new ushort[ids.Max(a => a.Length)];
        for (int i = 0; i < batch.Count; i++)
        {
            var document = ids[i];
            for (int t = 0; t < document.Length; t++) buffer[t] = checked((ushort)document[t]);
            output.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, document.Length)));
            records.Add(new DocumentRecord(hashes[i].ShardKey, document.Length, hashes[i].Split, (ushort)batch[i].Group));
            tokens += document.Length;
            bytes += System.Text.Encoding.UTF8.GetByteCount(batch[i].Text);
        }
        batch.Clear();
        return (tokens, bytes);
    }

    private static void WriteTrailer(FileStream output, List<DocumentRecord> records, long tokens)
    {
        long recordsOffset = TokenCacheLayout.RecordsOffset(tokens);
        output.Write(new byte[recordsOffset - output.Position]);
        var record = new byte[TokenCacheLayout.RecordBytes];
        foreach (var r in records)
        {
            TokenCacheLayout.WriteRecord(record, r);
            output.Write(record);
        }
        output.Position = 0;
        output.Write(TokenCacheLayout.Header(records.Count, tokens));
    }
}
