using System.Buffers.Binary;
using System.Numerics;

namespace Hivetrain.Ledger.Keys;

/// <summary>The Keccak-f[1600] permutation (FIPS 202) on a 200-byte little-endian state, as STROBE uses it.</summary>
internal static class Keccak
{
    private static readonly ulong[] RoundConstants =
    [
        0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
        0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
        0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
        0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
        0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
        0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
    ];

    // Rotation offsets and lane order of the combined ρ and π steps.
    private static readonly int[] Rho = [1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44];
    private static readonly int[] Pi = [10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1];

    public static void Permute(Span<byte> state)
    {
        if (state.Length != 200) throw new ArgumentException("the Keccak-f[1600] state is 200 bytes", nameof(state));
        Span<ulong> a = stackalloc ulong[25];
        for (int i = 0; i < 25; i++) a[i] = BinaryPrimitives.ReadUInt64LittleEndian(state[(8 * i)..]);
        Span<ulong> c = stackalloc ulong[5];
        for (int round = 0; round < 24; round++)
        {
            for (int x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
            for (int x = 0; x < 5; x++)
            {
                ulong d = c[(x + 4) % 5] ^ BitOperations.RotateLeft(c[(x + 1) % 5], 1);
                for (int y = 0; y < 25; y += 5) a[y + x] ^= d;
            }
            ulong carried = a[1];
            for (int i = 0; i < 24; i++)
            {
                int j = Pi[i];
                ulong next = a[j];
                a[j] = BitOperations.RotateLeft(carried, Rho[i]);
                carried = next;
            }
            for (int y = 0; y < 25; y += 5)
            {
                for (int x = 0; x < 5; x++) c[x] = a[y + x];
                for (int x = 0; x < 5; x++) a[y + x] = c[x] ^ (~c[(x + 1) % 5] & c[(x + 2) % 5]);
            }
            a[0] ^= RoundConstants[round];
        }
        for (int i = 0; i < 25; i++) BinaryPrimitives.WriteUInt64LittleEndian(state[(8 * i)..], a[i]);
    }
}
