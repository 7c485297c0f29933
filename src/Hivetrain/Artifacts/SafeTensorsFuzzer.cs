using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;

namespace Hivetrain.Artifacts;

/// <summary>
/// A bounded in-process mutation fuzzer for the strict reader: it mutates a corpus of valid and invalid
/// files (bit flips, byte inserts/deletes, header length lies, JSON edits, truncation), runs each input
/// through <see cref="SafeTensorsReader.FromBytes"/>, and records anything other than acceptance or a
/// <see cref="SafeTensorsException"/> as a crash. Accepted inputs must also read back every tensor and
/// survive a write/read round trip unchanged.
/// </summary>
internal sealed class SafeTensorsFuzzer(int seed)
{
    private static readonly string[] NumberEdits =
        ["0", "1", "-1", "1.5", "1e3", "4294967296", "18446744073709551615", "18446744073709551616", "9223372036854775808", "null", "\"8\""];

    private static readonly string[] TokenEdits =
        ["{", "}", "[", "]", ",", ":", "\"", "\\", "\\u0000", "\\ud800", " ", "\"__metadata__\"", "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\u00e9", "\0"];

    private static readonly SafeTensorsLimits WideLimits = SafeTensorsLimits.Default
        .Allowing(Enum.GetValues<SafeTensorsDtype>()) with { MaxTensors = 64, MaxMetadataBytes = 4096 };

    private readonly Random _random = new(seed);
    private readonly List<byte[]> _corpus = Seeds();

    /// <summary>Runs up to <paramref name="executions"/> inputs (or until <paramref name="budget"/> elapses).</summary>
    public SafeTensorsFuzzReport Run(long executions, TimeSpan? budget = null)
    {
        var report = new SafeTensorsFuzzReport();
        var clock = Stopwatch.StartNew();
        foreach (var input in _corpus.ToList()) Execute(input, report);
        while (report.Executions < executions && (budget is null || clock.Elapsed < budget))
        {
            var parent = _corpus[_random.Next(_corpus.Count)];
            var input = Mutate(parent);
            for (int extra = _random.Next(3); extra > 0; extra--) input = Mutate(input);
            var outcome = Execute(input, report);
            // Keep inputs that got past parsing: they explore the later checks.
            if (outcome is null or >= SafeTensorsError.InvalidOffset && _corpus.Count < 512 && input.Length < 4096) _corpus.Add(input);
        }
        report.Elapsed = clock.Elapsed;
        return report;
    }

    /// <summary>One input: null when accepted, the reason when rejected; other failures go to the report.</summary>
    private static SafeTensorsError? Execute(byte[] input, SafeTensorsFuzzReport report)
    {
        long start = Stopwatch.GetTimestamp();
        SafeTensorsError? outcome = null;
        try
        {
            var limits = input.Length % 2 == 0 ? WideLimits : SafeTensorsLimits.Default;
            using var reader = SafeTensorsReader.FromBytes(input, limits);
            CheckAccepted(reader, limits);
            report.Accepted++;
        }
        catch (SafeTensorsException e)
        {
            outcome = e.Reason;
            report.Rejections[e.Reason] = report.Rejections.GetValueOrDefault(e.Reason) + 1;
        }
        catch (Exception e)
        {
            if (report.Crashes.Count < 20) report.Crashes.Add((input, e));
            report.CrashCount++;
        }
        report.Executions++;
        report.SlowestTicks = Math.Max(report.SlowestTicks, Stopwatch.GetTimestamp() - start);
        return outcome;
    }

    private static void CheckAccepted(SafeTensorsReader reader, SafeTensorsLimits limits)
    {
        long expectedBegin = 0;
        foreach (var entry in reader.Entries)
        {
            if (entry.Begin != expectedBegin) throw new InvalidOperationException($"accepted file does not tile: {entry}");
            expectedBegin = entry.End;
            var bytes = reader.GetBytes(entry);
            if (bytes.Length != entry.ByteLength) throw new InvalidOperationException("span length differs from entry");
        }
        using var copy = new MemoryStream();
        SafeTensorsWriter.Write(copy, reader.Entries.Select(e => SafeTensorsWriteEntry.FromBytes(e.Name, e.Dtype, e.ShapeArray(), reader.GetBytes(e).ToArray())), reader.Metadata);
        using var again = SafeTensorsReader.FromBytes(copy.ToArray(), limits);
        if (again.Entries.Count != reader.Entries.Count || !again.Metadata.OrderBy(p => p.Key).SequenceEqual(reader.Metadata.OrderBy(p => p.Key)))
            throw new InvalidOperationException("round trip changed the header");
        foreach (var e in reader.Entries)
            if (!again.Header.TryGet(e.Name, out var f) || f.Dtype != e.Dtype || !f.Shape.SequenceEqual(e.Shape) || !again.GetBytes(f).SequenceEqual(reader.GetBytes(e)))
                throw new InvalidOperationException($"round trip changed tensor '{e.Name}'");
    }

    internal byte[] Mutate(byte[] input)
    {
        var bytes = new List<byte>(input);
        switch (_random.Next(9))
        {
            case 0 when bytes.Count > 0: // bit flip
                int i = _random.Next(bytes.Count);
                bytes[i] ^= (byte)(1 << _random.Next(8));
                break;
            case 1: // insert random bytes
                var insert = new byte[_random.Next(1, 9)];
                _random.NextBytes(insert);
                bytes.InsertRange(_random.Next(bytes.Count + 1), insert);
                break;
            case 2 when bytes.Count > 0: // delete a range
                int at = _random.Next(bytes.Count);
                bytes.RemoveRange(at, Math.Min(bytes.Count - at, _random.Next(1, 9)));
                break;
            case 3: // header length lie
                return WithLength(bytes.ToArray(), Lie(HeaderLength(input)));
            case 4 when bytes.Count > 0: // truncate
                int keep = _random.Next(bytes.Count);
                bytes.RemoveRange(keep, bytes.Count - keep);
                break;
            case 5: // append trailing bytes
                bytes.AddRange(new byte[_random.Next(1, 17)]);
                break;
            default: // JSON edits, keeping the length prefix honest half of the time
                return EditJson(input);
        }
        return [.. bytes];
    }

    private byte[] EditJson(byte[] input)
    {
        long n = HeaderLength(input);
        if (n < 0 || n > input.Length - 8) return input;
        var header = Encoding.UTF8.GetString(input, 8, (int)n);
        var data = input[(8 + (int)n)..];
        header = _random.Next(4) switch
        {
            0 => ReplaceNumber(header),
            1 => header.Insert(_random.Next(header.Length + 1), TokenEdits[_random.Next(TokenEdits.Length)]),
            2 => DuplicateRange(header),
            _ => header.Replace(Enum.GetName(Pick<SafeTensorsDtype>())!, Enum.GetName(Pick<SafeTensorsDtype>())!),
        };
        var edited = Encoding.UTF8.GetBytes(header);
        byte[] file = [.. new byte[8], .. edited, .. data];
        return WithLength(file, _random.Next(2) == 0 ? edited.Length : Lie(edited.Length));
    }

    private string ReplaceNumber(string header)
    {
        var digits = Enumerable.Range(0, header.Length).Where(i => char.IsAsciiDigit(header[i])).ToList();
        if (digits.Count == 0) return header;
        int at = digits[_random.Next(digits.Count)];
        int end = at;
        while (end < header.Length && char.IsAsciiDigit(header[end])) end++;
        return header[..at] + NumberEdits[_random.Next(NumberEdits.Length)] + header[end..];
    }

    private string DuplicateRange(string header)
    {
        if (header.Length < 2) return header;
        int start = _random.Next(header.Length), length = _random.Next(1, Math.Min(64, header.Length - start) + 1);
        return header.Insert(_random.Next(header.Length + 1), header.Substring(start, length));
    }

    private long Lie(long n) => _random.Next(6) switch
    {
        0 => 0,
        1 => n + _random.Next(1, 9),
        2 => Math.Max(0, n - _random.Next(1, 9)),
        3 => long.MaxValue,
        4 => 100_000_001,
        _ => _random.NextInt64(),
    };

    private T Pick<T>() where T : struct, Enum
    {
        var values = Enum.GetValues<T>();
        return values[_random.Next(values.Length)];
    }

    private static long HeaderLength(byte[] file) => file.Length < 8 ? -1 : (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(file), long.MaxValue);

    private static byte[] WithLength(byte[] file, long n)
    {
        if (file.Length < 8) return file;
        var copy = (byte[])file.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(copy, (ulong)n);
        return copy;
    }

    /// <summary>Valid files of several shapes and dtypes, plus the classic malformed ones.</summary>
    private static List<byte[]> Seeds()
    {
        var valid = new List<byte[]>
        {
            Write([SafeTensorsWriteEntry.FromBytes("wte.weight", SafeTensorsDtype.F32, [2, 3], new byte[24])], new() { ["base_revision"] = "r1" }),
            Write([
                SafeTensorsWriteEntry.FromBytes("h.0.ln_1.weight", SafeTensorsDtype.BF16, [4], new byte[8]),
                SafeTensorsWriteEntry.FromBytes("h.0.ln_1.bias", SafeTensorsDtype.F16, [0, 5], ReadOnlyMemory<byte>.Empty),
                SafeTensorsWriteEntry.FromBytes("scalar", SafeTensorsDtype.F32, [], new byte[4]),
                SafeTensorsWriteEntry.FromBytes("idx", SafeTensorsDtype.I32, [3], new byte[12]),
                SafeTensorsWriteEntry.FromBytes("flag", SafeTensorsDtype.BOOL, [1], new byte[1]),
            ], new() { ["format"] = "delta/v1", ["k\u00e9y"] = "v\"al" }),
            Write([], []),
            // A chunk top-k v2 delta's layout: a Rice-coded index stream and packed codes in U8, shape I64, scales F32.
            Write([
                SafeTensorsWriteEntry.FromBytes("w/indices", SafeTensorsDtype.U8, [2], new byte[] { 0x35, 0x40 }),
                SafeTensorsWriteEntry.FromBytes("w/values", SafeTensorsDtype.U8, [1], new byte[] { 0b00_11_10_01 }),
                SafeTensorsWriteEntry.FromBytes("w/scales", SafeTensorsDtype.F32, [2], new byte[8]),
                SafeTensorsWriteEntry.FromBytes("w/shape", SafeTensorsDtype.I64, [1], BitConverter.GetBytes(32L)),
            ], new() { ["format"] = DeltaFormat.ChunkTopK, ["chunk_size"] = "16", ["chunk_topk"] = "2", ["value_bits"] = "2" }),
        };
        var raw = new[]
        {
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
            "{\"a\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}",
            "{\"__metadata__\":{\"k\":\"v\",\"k\":\"w\"}}",
        }.Select(h => WithLength([.. new byte[8], .. Encoding.UTF8.GetBytes(h), .. new byte[16]], Encoding.UTF8.GetByteCount(h)));
        return [.. valid, .. raw];
    }

    private static byte[] Write(SafeTensorsWriteEntry[] entries, Dictionary<string, string> metadata)
    {
        using var stream = new MemoryStream();
        SafeTensorsWriter.Write(stream, entries, metadata);
        return stream.ToArray();
    }
}
