using System.Text;
using System.Text.Json;

namespace Hivetrain.Artifacts;

/// <summary>
/// Reads the header JSON with <see cref="Utf8JsonReader"/>, because <c>JsonDocument</c> silently accepts
/// duplicate keys. Enforces the caps while reading, so nothing large is allocated for a hostile header.
/// </summary>
internal static class SafeTensorsHeaderJson
{
    internal readonly record struct RawEntry(string Name, SafeTensorsDtype Dtype, ulong[] Shape, ulong Begin, ulong End);

    private const string MetadataKey = "__metadata__";

    public static (List<RawEntry> Entries, Dictionary<string, string> Metadata) Read(ReadOnlySpan<byte> json, SafeTensorsLimits limits)
    {
        if (json.Length == 0 || json[0] != (byte)'{')
            throw Error(SafeTensorsError.InvalidJson, "header does not start with '{'");
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
        try
        {
            return ReadRoot(ref reader, limits);
        }
        catch (JsonException e)
        {
            throw new SafeTensorsException(SafeTensorsError.InvalidJson, $"header is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader reports unpaired surrogate escapes and wrong token types this way.
            throw new SafeTensorsException(SafeTensorsError.InvalidJson, $"header is not valid JSON: {e.Message}", e);
        }
    }

    private static (List<RawEntry>, Dictionary<string, string>) ReadRoot(ref Utf8JsonReader reader, SafeTensorsLimits limits)
    {
        Expect(ref reader, JsonTokenType.StartObject, "header");
        var entries = new List<RawEntry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        Dictionary<string, string>? metadata = null;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            var name = ReadName(ref reader, limits);
            if (!names.Add(name)) throw Error(SafeTensorsError.DuplicateName, $"key '{name}' appears twice in the header");
            if (name == MetadataKey)
            {
                metadata = ReadMetadata(ref reader, limits);
                continue;
            }
            if (entries.Count >= limits.MaxTensors)
                throw Error(SafeTensorsError.TooManyTensors, $"more than {limits.MaxTensors} tensors");
            entries.Add(ReadTensorInfo(ref reader, name, limits));
        }
        if (reader.Read()) throw Error(SafeTensorsError.InvalidJson, "content after the header object");
        return (entries, metadata ?? new Dictionary<string, string>(StringComparer.Ordinal));
    }

    private static string ReadName(ref Utf8JsonReader reader, SafeTensorsLimits limits)
    {
        if (reader.TokenType != JsonTokenType.PropertyName) throw Error(SafeTensorsError.InvalidJson, "expected a key");
        // An escape takes at most 6 bytes per UTF-16 unit; reject before materializing a huge string.
        if (reader.ValueSpan.Length > 6L * limits.MaxNameBytes + 2)
            throw Error(SafeTensorsError.NameTooLong, $"a name exceeds {limits.MaxNameBytes} bytes");
        var name = reader.GetString()!;
        if (name != MetadataKey && Encoding.UTF8.GetByteCount(name) > limits.MaxNameBytes)
            throw Error(SafeTensorsError.NameTooLong, $"name of {Encoding.UTF8.GetByteCount(name)} bytes exceeds {limits.MaxNameBytes}");
        return name;
    }

    private static Dictionary<string, string> ReadMetadata(ref Utf8JsonReader reader, SafeTensorsLimits limits)
    {
        Next(ref reader);
        Expect(ref reader, JsonTokenType.StartObject, MetadataKey);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        long size = 0;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            size += reader.ValueSpan.Length;
            if (size > limits.MaxMetadataBytes) throw Error(SafeTensorsError.MetadataTooLarge, $"__metadata__ exceeds {limits.MaxMetadataBytes} bytes");
            var key = reader.GetString()!;
            Next(ref reader);
            if (reader.TokenType != JsonTokenType.String)
                throw Error(SafeTensorsError.InvalidJson, $"__metadata__ value of '{key}' is not a string");
            size += reader.ValueSpan.Length;
            if (size > limits.MaxMetadataBytes) throw Error(SafeTensorsError.MetadataTooLarge, $"__metadata__ exceeds {limits.MaxMetadataBytes} bytes");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw Error(SafeTensorsError.DuplicateName, $"__metadata__ key '{key}' appears twice");
        }
        return metadata;
    }

    private static RawEntry ReadTensorInfo(ref Utf8JsonReader reader, string name, SafeTensorsLimits limits)
    {
        Next(ref reader);
        Expect(ref reader, JsonTokenType.StartObject, name);
        SafeTensorsDtype? dtype = null;
        ulong[]? shape = null, offsets = null;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            var field = reader.ValueTextEquals("dtype"u8) ? "dtype"
                : reader.ValueTextEquals("shape"u8) ? "shape"
                : reader.ValueTextEquals("data_offsets"u8) ? "data_offsets"
                : throw Error(SafeTensorsError.InvalidJson, $"tensor '{name}' has an unknown field");
            bool seen = field switch { "dtype" => dtype is not null, "shape" => shape is not null, _ => offsets is not null };
            if (seen) throw Error(SafeTensorsError.DuplicateName, $"tensor '{name}' repeats '{field}'");
            Next(ref reader);
            switch (field)
            {
                case "dtype": dtype = ReadDtype(ref reader, name, limits); break;
                case "shape": shape = ReadIntegers(ref reader, name, field, limits.MaxDimensions); break;
                default: offsets = ReadIntegers(ref reader, name, field, 2); break;
            }
        }
        if (dtype is null || shape is null || offsets is null)
            throw Error(SafeTensorsError.InvalidJson, $"tensor '{name}' lacks dtype, shape or data_offsets");
        if (offsets.Length != 2) throw Error(SafeTensorsError.InvalidJson, $"tensor '{name}' data_offsets is not [begin, end]");
        return new RawEntry(name, dtype.Value, shape, offsets[0], offsets[1]);
    }

    private static SafeTensorsDtype ReadDtype(ref Utf8JsonReader reader, string name, SafeTensorsLimits limits)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length > 16)
            throw Error(SafeTensorsError.InvalidJson, $"tensor '{name}' dtype is not a known dtype string");
        var text = reader.GetString()!;
        if (!SafeTensorsDtypes.TryParse(text, out var dtype))
            throw Error(SafeTensorsError.InvalidJson, $"tensor '{name}' has unknown dtype '{text}'");
        if (!limits.AllowedDtypes.Contains(dtype))
            throw Error(SafeTensorsError.DtypeNotAllowed, $"tensor '{name}' has dtype {dtype}, not allowed here");
        return dtype;
    }

    private static ulong[] ReadIntegers(ref Utf8JsonReader reader, string name, string field, int max)
    {
        Expect(ref reader, JsonTokenType.StartArray, $"{name}.{field}");
        Span<ulong> values = stackalloc ulong[Math.Min(max, 64)];
        int count = 0;
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out var value))
                throw Error(SafeTensorsError.InvalidJson, $"tensor '{name}' {field} holds something other than an unsigned integer");
            if (count == values.Length)
                throw field == "shape"
                    ? Error(SafeTensorsError.TooManyDimensions, $"tensor '{name}' has more than {max} dimensions")
                    : Error(SafeTensorsError.InvalidJson, $"tensor '{name}' {field} has more than {max} values");
            values[count++] = value;
        }
        return values[..count].ToArray();
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw Error(SafeTensorsError.InvalidJson, "header JSON ends early");
        return reader.TokenType;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string what)
    {
        if (reader.TokenType == JsonTokenType.None) reader.Read();
        if (reader.TokenType != type) throw Error(SafeTensorsError.InvalidJson, $"{what}: expected {type}, found {reader.TokenType}");
    }

    private static SafeTensorsException Error(SafeTensorsError reason, string message) => new(reason, message);
}
