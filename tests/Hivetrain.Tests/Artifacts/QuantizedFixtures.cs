using Hivetrain.Artifacts;

namespace Hivetrain.Tests.Artifacts;

/// <summary>Hand-built quantized delta files.</summary>
internal static class QuantizedFixtures
{
    /// <summary>A file in the format <paramref name="chunking"/> implies, with its chunk parameters in the metadata.</summary>
    public static byte[] File(IEnumerable<SafeTensorsWriteEntry> entries, DeltaChunking chunking, Action<Dictionary<string, string>>? edit = null) =>
        DeltaFixtures.File(entries, chunking.IsInt8 ? DeltaFormat.Int8 : DeltaFormat.ChunkTopK, edit: m =>
        {
            chunking.WriteTo(m);
            edit?.Invoke(m);
        });
}
