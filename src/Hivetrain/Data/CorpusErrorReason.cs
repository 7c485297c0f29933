namespace Hivetrain.Data;

/// <summary>Why a corpus could not be opened or used.</summary>
public enum CorpusErrorReason
{
    /// <summary>The path does not exist.</summary>
    NotFound,
    /// <summary>A file could not be read (permissions, I/O error, corrupt Parquet).</summary>
    Unreadable,
    /// <summary>A file's extension is not .txt, .jsonl or .parquet.</summary>
    UnsupportedFormat,
    /// <summary>A JSON Lines line is not a JSON object with a string <c>text</c> field.</summary>
    BadJsonLine,
    /// <summary>A Parquet file has no string column named <c>text</c>.</summary>
    MissingTextColumn,
    /// <summary>The inputs hold no document with any text.</summary>
    EmptyCorpus,
    /// <summary>A split or shard has no document to draw windows from.</summary>
    EmptySplit,
    /// <summary>The corpus spec or options are invalid.</summary>
    BadSpec,
}
