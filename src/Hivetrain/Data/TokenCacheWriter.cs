using System.Runtime.InteropServices;
using System.Text;
using Hivetrain.Model;

namespace Hivetrain.Data;

/// <summary>
/// Tokenizes a corpus into a token cache file, in parallel batches (reading the next batch while the last
/// one is tokenized), then publishes it atomically (temporary file, flush, rename), so concurrent
/// processes and crashes never expose a partial file.
/// </summary>
/// <remarks>
/// Layout (little-endian): a 64-byte header (<see cref="TokenCacheLayout"/>), the uint16 token ids of
/// every document in order, padding to 8 bytes, then one 16-byte record per document:
/// shard key (u64), token count (i32), split (u8), reserved (u8), group (u16).
/// </remarks>
internal sealed class TokenCacheWriter
{
    private const int BatchChars = 1 << 20;
    private const int BatchDocuments = 4096;

    private readonly CorpusSource _source;
    private readonly Stream _output;
    private readonly IProgress<CorpusProgress>? _progress;
    private readonly List<DocumentRecord> _records = [];
    private long _tokens, _bytes;

    private TokenCacheWriter(CorpusSource source, Stream output, IProgress<CorpusProgress>? progress)
    {
        _source = source;
        _output = output;
        _progress = progress;
    }

    private sealed record TokenizedBatch(List<CorpusDocument> Documents, int[][] Ids, (SplitName Split, ulong ShardKey)[] Hashes);

    public static async Task WriteAsync(CorpusSource source, string finalPath, IProgress<CorpusProgress>? progress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
        var temporary = $"{finalPath}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            await using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                output.Write(new byte[TokenCacheLayout.HeaderBytes]);
                var writer = new TokenCacheWriter(source, output, progress);
                await writer.TokenizeAllAsync(cancellationToken);
                writer.WriteTrailer();
                output.Flush(flushToDisk: true);
            }
            File.Move(temporary, finalPath, overwrite: true); // identical content under one key: last rename wins
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    private async Task TokenizeAllAsync(CancellationToken cancellationToken)
    {
        Task<TokenizedBatch>? pending = null;
        var batch = new List<CorpusDocument>();
        long batchChars = 0;
        await foreach (var document in _source.Documents(cancellationToken))
        {
            batch.Add(document);
            batchChars += document.Text.Length;
            if (batchChars < BatchChars && batch.Count < BatchDocuments) continue;
            if (pending is not null) Append(await pending);
            var full = batch;
            pending = Task.Run(() => Tokenize(full), cancellationToken);
            batch = [];
            batchChars = 0;
        }
        if (pending is not null) Append(await pending);
        if (batch.Count > 0) Append(Tokenize(batch));
        if (_records.Count == 0)
            throw new CorpusException(CorpusErrorReason.EmptyCorpus, $"{_source.Description}: the corpus holds no document with text.");
    }

    private static TokenizedBatch Tokenize(List<CorpusDocument> documents)
    {
        var ids = new int[documents.Count][];
        var hashes = new (SplitName, ulong)[documents.Count];
        Parallel.For(0, documents.Count, i =>
        {
            ids[i] = Tokenizer.Gpt2.Encode(documents[i].Text);
            hashes[i] = DocumentHash.Of(documents[i].Text);
        });
        return new TokenizedBatch(documents, ids, hashes);
    }

    private void Append(TokenizedBatch batch)
    {
        var buffer = new ushort[batch.Ids.Max(a => a.Length)];
        for (int i = 0; i < batch.Ids.Length; i++)
        {
            var document = batch.Ids[i];
            for (int t = 0; t < document.Length; t++) buffer[t] = checked((ushort)document[t]);
            _output.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, document.Length)));
            _records.Add(new DocumentRecord(batch.Hashes[i].ShardKey, document.Length, batch.Hashes[i].Split, (ushort)batch.Documents[i].Group));
            _tokens += document.Length;
            _bytes += Encoding.UTF8.GetByteCount(batch.Documents[i].Text);
        }
        _progress?.Report(new CorpusProgress(_records.Count, _source.TotalDocuments, _tokens, _bytes, _source.TotalBytes));
    }

    private void WriteTrailer()
    {
        TokenCacheLayout.WriteRecords(_output, _tokens, _records);
        _output.Position = 0;
        _output.Write(TokenCacheLayout.Header(_records.Count, _tokens));
    }
}
