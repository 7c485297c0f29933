namespace Hivetrain.Data;

/// <summary>What the token cache keeps per document besides its tokens.</summary>
internal readonly record struct DocumentRecord(ulong ShardKey, int Length, SplitName Split, ushort Group);
