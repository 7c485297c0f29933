namespace Hivetrain.Data;

/// <summary>Progress of tokenizing a corpus into the cache; a total of 0 means unknown.</summary>
public sealed record CorpusProgress(long Documents, long TotalDocuments, long Tokens, long Bytes, long TotalBytes);
