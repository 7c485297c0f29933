using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Hivetrain.Ledger.Bittensor.Metadata;
using Hivetrain.Ledger.Keys;

namespace Hivetrain.Ledger.Bittensor;

/// <summary>
/// Storage keys: <c>twox128(pallet) ‖ twox128(item) ‖ hasher(key₁) ‖ …</c>, with the hashers the metadata names.
/// </summary>
public static class StorageKey
{
    /// <summary>The key of a plain item, or the prefix of a map.</summary>
    public static byte[] Prefix(string pallet, string item) =>
        [.. Twox128(Encoding.UTF8.GetBytes(pallet)), .. Twox128(Encoding.UTF8.GetBytes(item))];

    /// <summary>The key of a map entry; each SCALE-encoded key part is hashed by the entry's hasher for that position.</summary>
    public static byte[] For(StorageEntry entry, string pallet, params byte[][] encodedKeys)
    {
        if (encodedKeys.Length > entry.Hashers.Count)
            throw new ArgumentException($"{pallet}.{entry.Name} takes {entry.Hashers.Count} keys, got {encodedKeys.Length}", nameof(encodedKeys));
        var key = new List<byte>(Prefix(pallet, entry.Name));
        for (int i = 0; i < encodedKeys.Length; i++) key.AddRange(Hash(entry.Hashers[i], encodedKeys[i]));
        return [.. key];
    }

    public static byte[] Hash(StorageHasher hasher, ReadOnlySpan<byte> key) => hasher switch
    {
        StorageHasher.Identity => key.ToArray(),
        StorageHasher.Twox64Concat => [.. Twox64(key, 0), .. key],
        StorageHasher.Blake2_128Concat => [.. Blake2b.Hash128(key), .. key],
        StorageHasher.Twox128 => Twox128(key),
        StorageHasher.Twox256 => [.. Twox64(key, 0), .. Twox64(key, 1), .. Twox64(key, 2), .. Twox64(key, 3)],
        StorageHasher.Blake2_128 => Blake2b.Hash128(key),
        StorageHasher.Blake2_256 => Blake2b.Hash256(key),
        _ => throw new ArgumentOutOfRangeException(nameof(hasher)),
    };

    /// <summary>Substrate's twox128: xxhash64 with seeds 0 and 1, each little-endian.</summary>
    public static byte[] Twox128(ReadOnlySpan<byte> data) => [.. Twox64(data, 0), .. Twox64(data, 1)];

    private static byte[] Twox64(ReadOnlySpan<byte> data, long seed)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, XxHash64.HashToUInt64(data, seed));
        return bytes;
    }
}
