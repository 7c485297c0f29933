namespace Hivetrain.Data;

/// <summary>One document of a corpus; <see cref="Group"/> is its source file's index or its synthetic dialect.</summary>
public sealed record CorpusDocument(string Text, int Group);
