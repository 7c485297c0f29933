using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Hivetrain.Artifacts;

/// <summary>
/// Writes safetensors in the reference writer's layout: tensors sorted by dtype alignment (descending)
/// then name, contiguous offsets from 0, header JSON padded with spaces to a multiple of 8.
/// </summary>
public static class SafeTensorsWriter
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the file to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IEnumerable<SafeTensorsWriteEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = Order(entries);
        var header = Header(ordered, metadata);
        Span<byte> length = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var entry in ordered) entry.WriteTo(stream);
    }

    /// <summary>
    /// Writes <paramref name="path"/> atomically and durably (<see cref="Storage.DurableFile"/>), so readers see the old
    /// file or the whole new one, also after a power loss.
    /// </summary>
    public static void WriteFile(string path, IEnumerable<SafeTensorsWriteEntry> entries, IReadOnlyDictionary<string, string>? metadata = null) =>
        Storage.DurableFile.Write(path, stream => Write(stream, entries, metadata));

    /// <summary>Lowercase hex SHA-256 of the payload <see cref="Write"/> would produce for <paramref name="entries"/>.</summary>
    public static string PayloadSha256(IEnumerable<SafeTensorsWriteEntry> entries)
    {
        using var sha = System.Security.Cryptography.SHA256.Create();
        using (var stream = new System.Security.Cryptography.CryptoStream(Stream.Null, sha, System.Security.Cryptography.CryptoStreamMode.Write))
            foreach (var entry in Order(entries)) entry.WriteTo(stream);
        return Convert.ToHexStringLower(sha.Hash!);
    }

    private static List<SafeTensorsWriteEntry> Order(IEnumerable<SafeTensorsWriteEntry> entries)
    {
        var list = entries.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in list)
            if (!names.Add(e.Name) || e.Name == "__metadata__")
                throw new ArgumentException($"tensor name '{e.Name}' is repeated or reserved");
        // Names compare by UTF-8 bytes, as the reference (Rust str ordering) does.
        list.Sort((a, b) => a.Dtype != b.Dtype ? b.Dtype.CompareTo(a.Dtype)
            : Encoding.UTF8.GetBytes(a.Name).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b.Name)));
        return list;
    }

    private static byte[] Header(List<SafeTensorsWriteEntry> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var e in ordered)
            {
                json.WriteStartObject(e.Name);
                json.WriteString("dtype", e.Dtype.ToString());
                json.WriteStartArray("shape");
                foreach (var d in e.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + e.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += e.ByteLength;
            }
            json.WriteEndObject();
        }
        int padding = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < padding; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }
}
