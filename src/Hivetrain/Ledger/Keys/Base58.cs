using System.Numerics;

namespace Hivetrain.Ledger.Keys;

/// <summary>Bitcoin-alphabet Base58, as SS58 uses it (leading zero bytes become leading '1's).</summary>
internal static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    public static string Encode(ReadOnlySpan<byte> data)
    {
        int zeros = 0;
        while (zeros < data.Length && data[zeros] == 0) zeros++;
        var value = new BigInteger(data, isUnsigned: true, isBigEndian: true);
        var chars = new List<char>();
        while (value > 0)
        {
            value = BigInteger.DivRem(value, 58, out var digit);
            chars.Add(Alphabet[(int)digit]);
        }
        chars.AddRange(Enumerable.Repeat('1', zeros));
        chars.Reverse();
        return new string([.. chars]);
    }

    /// <summary>Decodes, or returns null when a character is outside the alphabet.</summary>
    public static byte[]? Decode(string text)
    {
        BigInteger value = 0;
        foreach (var c in text)
        {
            int digit = Alphabet.IndexOf(c);
            if (digit < 0) return null;
            value = value * 58 + digit;
        }
        int zeros = 0;
        while (zeros < text.Length && text[zeros] == '1') zeros++;
        var body = value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var result = new byte[zeros + body.Length];
        body.CopyTo(result, zeros);
        return result;
    }
}
