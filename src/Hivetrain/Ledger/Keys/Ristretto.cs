namespace Hivetrain.Ledger.Keys;

/// <summary>Span-friendly wrappers over libsodium's ristretto255 group and scalar arithmetic (32-byte encodings).</summary>
internal static class Ristretto
{
    public static byte[] MultiplyBase(ReadOnlySpan<byte> scalar)
    {
        Sodium.EnsureInitialized();
        var point = new byte[32];
        unsafe
        {
            fixed (byte* q = point)
            fixed (byte* n = scalar)
            {
                // A zero scalar gives the identity, which libsodium reports as an error; keys never are zero.
                if (Sodium.crypto_scalarmult_ristretto255_base(q, n) != 0) throw new InvalidOperationException("scalar multiplication gave the identity");
            }
        }
        return point;
    }

    /// <summary>scalar·point, or null when the point is not a valid encoding or the result is the identity.</summary>
    public static byte[]? Multiply(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> point)
    {
        Sodium.EnsureInitialized();
        var result = new byte[32];
        unsafe
        {
            fixed (byte* q = result)
            fixed (byte* n = scalar)
            fixed (byte* p = point)
                return Sodium.crypto_scalarmult_ristretto255(q, n, p) == 0 ? result : null;
        }
    }

    public static bool IsValidPoint(ReadOnlySpan<byte> point)
    {
        Sodium.EnsureInitialized();
        unsafe { fixed (byte* p = point) return Sodium.crypto_core_ristretto255_is_valid_point(p) == 1; }
    }

    /// <summary>p + q, or null when either is not a valid encoding.</summary>
    public static byte[]? Add(ReadOnlySpan<byte> p, ReadOnlySpan<byte> q)
    {
        var result = new byte[32];
        unsafe
        {
            fixed (byte* r = result)
            fixed (byte* a = p)
            fixed (byte* b = q)
                return Sodium.crypto_core_ristretto255_add(r, a, b) == 0 ? result : null;
        }
    }

    /// <summary>p − q, or null when either is not a valid encoding.</summary>
    public static byte[]? Subtract(ReadOnlySpan<byte> p, ReadOnlySpan<byte> q)
    {
        var result = new byte[32];
        unsafe
        {
            fixed (byte* r = result)
            fixed (byte* a = p)
            fixed (byte* b = q)
                return Sodium.crypto_core_ristretto255_sub(r, a, b) == 0 ? result : null;
        }
    }

    /// <summary>A 64-byte little-endian integer reduced mod ℓ (wide reduction).</summary>
    public static byte[] ReduceWide(ReadOnlySpan<byte> wide)
    {
        if (wide.Length != 64) throw new ArgumentException("wide reduction takes 64 bytes", nameof(wide));
        Sodium.EnsureInitialized();
        var result = new byte[32];
        unsafe
        {
            fixed (byte* r = result)
            fixed (byte* s = wide)
                Sodium.crypto_core_ristretto255_scalar_reduce(r, s);
        }
        return result;
    }

    /// <summary>A 32-byte little-endian integer reduced mod ℓ.</summary>
    public static byte[] Reduce(ReadOnlySpan<byte> scalar)
    {
        Span<byte> wide = stackalloc byte[64];
        scalar.CopyTo(wide);
        return ReduceWide(wide);
    }

    public static byte[] ScalarAdd(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        var result = new byte[32];
        unsafe
        {
            fixed (byte* z = result)
            fixed (byte* a = x)
            fixed (byte* b = y)
                Sodium.crypto_core_ristretto255_scalar_add(z, a, b);
        }
        return result;
    }

    public static byte[] ScalarMultiply(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        var result = new byte[32];
        unsafe
        {
            fixed (byte* z = result)
            fixed (byte* a = x)
            fixed (byte* b = y)
                Sodium.crypto_core_ristretto255_scalar_mul(z, a, b);
        }
        return result;
    }

    /// <summary>True when the 32-byte little-endian integer is below the group order ℓ (a canonical scalar).</summary>
    public static bool IsCanonicalScalar(ReadOnlySpan<byte> scalar) => Reduce(scalar).AsSpan().SequenceEqual(scalar);
}
