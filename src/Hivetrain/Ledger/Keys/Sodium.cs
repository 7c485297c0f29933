using System.Runtime.InteropServices;

namespace Hivetrain.Ledger.Keys;

/// <summary>
/// The few libsodium primitives sr25519 and SS58 need: blake2b (crypto_generichash) and the ristretto255 group
/// and scalar operations. libsodium ships as a native library in the <c>libsodium</c> NuGet package.
/// </summary>
internal static partial class Sodium
{
    private const string Lib = "libsodium";

    static Sodium()
    {
        if (sodium_init() < 0) throw new InvalidOperationException("libsodium failed to initialise");
    }

    /// <summary>Forces the static initialiser (sodium_init) before the first primitive runs.</summary>
    internal static void EnsureInitialized() { }

    [LibraryImport(Lib)] private static partial int sodium_init();

    [LibraryImport(Lib)]
    internal static unsafe partial int crypto_generichash(byte* output, nuint outlen, byte* input, ulong inlen, byte* key, nuint keylen);

    [LibraryImport(Lib)] internal static unsafe partial int crypto_scalarmult_ristretto255_base(byte* q, byte* n);
    [LibraryImport(Lib)] internal static unsafe partial int crypto_scalarmult_ristretto255(byte* q, byte* n, byte* p);
    [LibraryImport(Lib)] internal static unsafe partial int crypto_core_ristretto255_is_valid_point(byte* p);
    [LibraryImport(Lib)] internal static unsafe partial int crypto_core_ristretto255_add(byte* r, byte* p, byte* q);
    [LibraryImport(Lib)] internal static unsafe partial int crypto_core_ristretto255_sub(byte* r, byte* p, byte* q);
    [LibraryImport(Lib)] internal static unsafe partial void crypto_core_ristretto255_scalar_reduce(byte* r, byte* s);
    [LibraryImport(Lib)] internal static unsafe partial void crypto_core_ristretto255_scalar_add(byte* z, byte* x, byte* y);
    [LibraryImport(Lib)] internal static unsafe partial void crypto_core_ristretto255_scalar_mul(byte* z, byte* x, byte* y);
}
