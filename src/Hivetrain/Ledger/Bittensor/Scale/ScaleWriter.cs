using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Hivetrain.Ledger.Bittensor.Scale;

/// <summary>Writes SCALE values into a growing buffer.</summary>
public sealed class ScaleWriter
{
    private readonly List<byte> _buffer = [];

    public int Length => _buffer.Count;

    public byte[] ToArray() => [.. _buffer];

    public ScaleWriter WriteRaw(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes) _buffer.Add(b);
        return this;
    }

    public ScaleWriter WriteU8(byte value) { _buffer.Add(value); return this; }

    public ScaleWriter WriteBool(bool value) => WriteU8(value ? (byte)1 : (byte)0);

    public ScaleWriter WriteU16(ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        return WriteRaw(b);
    }

    public ScaleWriter WriteU32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        return WriteRaw(b);
    }

    public ScaleWriter WriteU64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        return WriteRaw(b);
    }

    /// <summary>A compact (variable-length) unsigned integer in its shortest form.</summary>
    public ScaleWriter WriteCompact(BigInteger value)
    {
        if (value.Sign < 0) throw new ArgumentOutOfRangeException(nameof(value), "compact integers are unsigned");
        if (value < 1 << 6) return WriteU8((byte)((int)value << 2));
        if (value < 1 << 14) return WriteU16((ushort)(((int)value << 2) | 1));
        if (value < 1 << 30) return WriteU32(((uint)value << 2) | 2);
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: false);
        if (bytes.Length > 67) throw new ArgumentOutOfRangeException(nameof(value), "compact integers hold at most 536 bits");
        WriteU8((byte)(((bytes.Length - 4) << 2) | 3));
        return WriteRaw(bytes);
    }

    public ScaleWriter WriteCompact(ulong value) => WriteCompact(new BigInteger(value));

    /// <summary>A Vec&lt;u8&gt;: compact length then the bytes.</summary>
    public ScaleWriter WriteBytes(ReadOnlySpan<byte> bytes) => WriteCompact((ulong)bytes.Length).WriteRaw(bytes);

    public ScaleWriter WriteString(string text) => WriteBytes(Encoding.UTF8.GetBytes(text));

    public ScaleWriter WriteVector<T>(IReadOnlyCollection<T> items, Action<ScaleWriter, T> element)
    {
        WriteCompact((ulong)items.Count);
        foreach (var item in items) element(this, item);
        return this;
    }
}
