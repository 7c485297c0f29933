using System.Buffers.Binary;
using System.Text.Unicode;

namespace Hivetrain.Artifacts;

/// <summary>
/// The validated header of a safetensors file: tensors in file order and <c>__metadata__</c>.
/// <see cref="Parse"/> makes the reference reader's checks in its order, then ours, and is shared by the
/// memory-mapped and the in-memory readers.
/// </summary>
public sealed class SafeTensorsHeader
{
    private readonly Dictionary<string, SafeTensorsEntry> _byName;

    private SafeTensorsHeader(List<SafeTensorsEntry> entries, Dictionary<string, string> metadata, long dataStart, long fileLength)
    {
        Entries = entries;
        Metadata = metadata;
        DataStart = dataStart;
        FileLength = fileLength;
        _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>Tensors sorted by their data offsets, i.e. in file order.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Offset of the data buffer in the file: 8 + header length.</summary>
    public long DataStart { get; }

    public long FileLength { get; }

    public bool TryGet(string name, out SafeTensorsEntry entry) => _byName.TryGetValue(name, out entry!);

    public SafeTensorsEntry this[string name] =>
        _byName.TryGetValue(name, out var e) ? e : throw new KeyNotFoundException($"no tensor '{name}' in the file");

    /// <summary>
    /// Parses and validates the header of a file of <paramref name="fileLength"/> bytes whose first bytes are
    /// <paramref name="prefix"/> (at least the 8-byte length and the header, when the file has them).
    /// </summary>
    public static SafeTensorsHeader Parse(ReadOnlySpan<byte> prefix, long fileLength, SafeTensorsLimits limits)
    {
        if (fileLength > limits.MaxFileBytes)
            throw new SafeTensorsException(SafeTensorsError.FileTooLarge, $"file of {fileLength} bytes exceeds the cap of {limits.MaxFileBytes}");
        if (fileLength < 8 || prefix.Length < 8)
            throw new SafeTensorsException(SafeTensorsError.HeaderTooSmall, $"file of {fileLength} bytes has no 8-byte header length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > (ulong)limits.MaxHeaderBytes)
            throw new SafeTensorsException(SafeTensorsError.HeaderTooLarge, $"header length {n} exceeds {limits.MaxHeaderBytes}");
        if (n > (ulong)(fileLength - 8) || (long)n > prefix.Length - 8)
            throw new SafeTensorsException(SafeTensorsError.InvalidHeaderLength, $"header length {n} runs past the end of the {fileLength}-byte file");
        var json = prefix.Slice(8, (int)n);
        if (!Utf8.IsValid(json))
            throw new SafeTensorsException(SafeTensorsError.InvalidUtf8, "header is not valid UTF-8");
        var (raw, metadata) = SafeTensorsHeaderJson.Read(json, limits);
        long dataStart = 8 + (long)n;
        var entries = Validate(raw, (ulong)(fileLength - dataStart));
        return new SafeTensorsHeader(entries, metadata, dataStart, fileLength);
    }

    /// <summary>The reference's <c>validate</c>: tensors tile the buffer exactly, each sized by dtype and shape.</summary>
    private static List<SafeTensorsEntry> Validate(List<SafeTensorsHeaderJson.RawEntry> raw, ulong bufferLength)
    {
        raw.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin)
            : a.End != b.End ? a.End.CompareTo(b.End) : string.CompareOrdinal(a.Name, b.Name));
        ulong start = 0;
        foreach (var t in raw)
        {
            if (t.Begin != start || t.End < t.Begin)
                throw new SafeTensorsException(SafeTensorsError.InvalidOffset, $"tensor '{t.Name}' occupies [{t.Begin}, {t.End}) but the previous one ends at {start}");
            start = t.End;
            ulong bits;
            try
            {
                ulong elements = 1;
                foreach (var d in t.Shape)
                {
                    if (d > long.MaxValue) throw new OverflowException();
                    elements = checked(elements * d);
                }
                bits = checked(elements * (ulong)t.Dtype.BitSize());
            }
            catch (OverflowException)
            {
                throw new SafeTensorsException(SafeTensorsError.ValidationOverflow, $"tensor '{t.Name}' shape [{string.Join(", ", t.Shape)}] overflows");
            }
            if (bits % 8 != 0)
                throw new SafeTensorsException(SafeTensorsError.MisalignedSlice, $"tensor '{t.Name}' is {bits} bits, not whole bytes");
            if (t.End - t.Begin != bits / 8)
                throw new SafeTensorsException(SafeTensorsError.TensorInvalidInfo, $"tensor '{t.Name}' has {t.End - t.Begin} bytes but {t.Dtype}[{string.Join(", ", t.Shape)}] needs {bits / 8}");
        }
        if (start != bufferLength)
            throw new SafeTensorsException(SafeTensorsError.MetadataIncompleteBuffer, $"tensors cover {start} bytes but the buffer has {bufferLength}");
        // Every offset is now at most bufferLength, which fits a long, and so does every dimension's product.
        return raw.Select(t => new SafeTensorsEntry(t.Name, t.Dtype, Array.ConvertAll(t.Shape, d => (long)d), (long)t.Begin, (long)t.End)).ToList();
    }
}
