using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Hivetrain.Ledger.Bittensor.Scale;

/// <summary>
/// Reads SCALE (Parity's Simple Concatenated Aggregate Little-Endian) values from untrusted bytes; every read
/// checks the remaining length first and throws <see cref="ScaleException"/> with the offset.
/// </summary>
public sealed class ScaleReader(ReadOnlyMemory<byte> data)
{
    private readonly ReadOnlyMemory<byte> _data = data;

    /// <summary>Bytes consumed so far.</summary>
    public int Offset { get; private set; }

    /// <summary>Bytes left.</summary>
    public int Remaining => _data.Length - Offset;

    public ReadOnlySpan<byte> ReadRaw(int count)
    {
        if (count < 0 || count > Remaining)
            throw new ScaleException(ScaleErrorReason.Truncated, $"needed {count} bytes, {Remaining} left", Offset);
        var span = _data.Span.Slice(Offset, count);
        Offset += count;
        return span;
    }

    public byte ReadU8() => ReadRaw(1)[0];

    public ushort ReadU16() => BinaryPrimitives.ReadUInt16LittleEndian(ReadRaw(2));

    public uint ReadU32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadRaw(4));

    public ulong ReadU64() => BinaryPrimitives.ReadUInt64LittleEndian(ReadRaw(8));

    public UInt128 ReadU128() => BinaryPrimitives.ReadUInt128LittleEndian(ReadRaw(16));

    public bool ReadBool() => ReadU8() switch
    {
        0 => false,
        1 => true,
        var b => throw new ScaleException(ScaleErrorReason.InvalidTag, $"bool byte {b}", Offset - 1),
    };

    /// <summary>A compact (variable-length) unsigned integer of any size.</summary>
    public BigInteger ReadCompactBig()
    {
        int start = Offset;
        byte first = ReadU8();
        switch (first & 3)
        {
            case 0: return first >> 2;
            case 1:
            {
                uint value = (uint)(first | ReadU8() << 8) >> 2;
                if (value < 1 << 6) throw NonCanonical(start);
                return value;
            }
            case 2:
            {
                Offset = start;
                uint value = ReadU32() >> 2;
                if (value < 1 << 14) throw NonCanonical(start);
                return value;
            }
            default:
            {
                int length = (first >> 2) + 4;
                var value = new BigInteger(ReadRaw(length), isUnsigned: true, isBigEndian: false);
                if (value.GetByteCount(isUnsigned: true) != length || value < 1u << 30) throw NonCanonical(start);
                return value;
            }
        }
    }

    /// <summary>A compact integer that must fit in a u64.</summary>
    public ulong ReadCompact()
    {
        int start = Offset;
        var value = ReadCompactBig();
        if (value > ulong.MaxValue) throw new ScaleException(ScaleErrorReason.InvalidCompact, "compact value exceeds u64", start);
        return (ulong)value;
    }

    /// <summary>A collection length, checked against the bytes left (each element takes at least one byte unless it is empty).</summary>
    public int ReadLength(int minElementBytes = 1)
    {
        int start = Offset;
        var length = ReadCompact();
        if (minElementBytes > 0 && length > (ulong)Remaining / (ulong)minElementBytes)
            throw new ScaleException(ScaleErrorReason.LengthTooLarge, $"length {length} exceeds the {Remaining} bytes left", start);
        if (length > int.MaxValue) throw new ScaleException(ScaleErrorReason.LengthTooLarge, $"length {length}", start);
        return (int)length;
    }

    /// <summary>A Vec&lt;u8&gt;.</summary>
    public byte[] ReadBytes() => ReadRaw(ReadLength()).ToArray();

    /// <summary>A UTF-8 string (Vec&lt;u8&gt;).</summary>
    public string ReadString() => Encoding.UTF8.GetString(ReadRaw(ReadLength()));

    public T[] ReadVector<T>(Func<ScaleReader, T> element, int minElementBytes = 1)
    {
        var items = new T[ReadLength(minElementBytes)];
        for (int i = 0; i < items.Length; i++) items[i] = element(this);
        return items;
    }

    /// <summary>An Option&lt;T&gt;: 0 = None, 1 = Some(T).</summary>
    public T? ReadOption<T>(Func<ScaleReader, T> value) where T : class => ReadU8() switch
    {
        0 => null,
        1 => value(this),
        var b => throw new ScaleException(ScaleErrorReason.InvalidTag, $"option tag {b}", Offset - 1),
    };

    /// <summary>An Option of a value type.</summary>
    public T? ReadOptionValue<T>(Func<ScaleReader, T> value) where T : struct => ReadU8() switch
    {
        0 => null,
        1 => value(this),
        var b => throw new ScaleException(ScaleErrorReason.InvalidTag, $"option tag {b}", Offset - 1),
    };

    /// <summary>Throws unless every byte was consumed.</summary>
    public void EnsureEnd()
    {
        if (Remaining != 0) throw new ScaleException(ScaleErrorReason.TrailingBytes, $"{Remaining} bytes left after the value", Offset);
    }

    private static ScaleException NonCanonical(int offset) =>
        new(ScaleErrorReason.InvalidCompact, "compact integer not in its shortest form", offset);
}
