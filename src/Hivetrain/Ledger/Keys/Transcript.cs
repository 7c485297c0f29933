using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Hivetrain.Ledger.Keys;

/// <summary>A merlin transcript (STROBE-128 based Fiat–Shamir), the hash schnorrkel signs and derives keys with.</summary>
internal sealed class Transcript
{
    private readonly Strobe128 _strobe;

    public Transcript(string label)
    {
        _strobe = new Strobe128("Merlin v1.0");
        AppendMessage("dom-sep", Encoding.ASCII.GetBytes(label));
    }

    private Transcript(Strobe128 strobe) => _strobe = strobe;

    public Transcript Clone() => new(_strobe.Clone());

    public void AppendMessage(string label, ReadOnlySpan<byte> message)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)message.Length);
        _strobe.MetaAd(Encoding.ASCII.GetBytes(label), more: false);
        _strobe.MetaAd(length, more: true);
        _strobe.Ad(message, more: false);
    }

    public void ChallengeBytes(string label, Span<byte> output)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)output.Length);
        _strobe.MetaAd(Encoding.ASCII.GetBytes(label), more: false);
        _strobe.MetaAd(length, more: true);
        _strobe.Prf(output, more: false);
    }

    /// <summary>A challenge scalar: 64 challenge bytes reduced mod ℓ.</summary>
    public byte[] ChallengeScalar(string label)
    {
        Span<byte> wide = stackalloc byte[64];
        ChallengeBytes(label, wide);
        return Ristretto.ReduceWide(wide);
    }

    /// <summary>
    /// A secret nonce scalar bound to the transcript, the witness and fresh randomness (merlin's transcript RNG),
    /// so a bad RNG alone cannot leak the key. Without <paramref name="hedged"/> the randomness is 32 zero bytes: the nonce
    /// is then a deterministic function of the secret witness and the transcript (as in deterministic Schnorr signing),
    /// so signing the same message twice gives the same signature.
    /// </summary>
    public byte[] WitnessScalar(string label, ReadOnlySpan<byte> witness, bool hedged = true)
    {
        var rng = _strobe.Clone();
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)witness.Length);
        rng.MetaAd(Encoding.ASCII.GetBytes(label), more: false);
        rng.MetaAd(length, more: true);
        rng.Key(witness, more: false);
        Span<byte> random = stackalloc byte[32];
        if (hedged) RandomNumberGenerator.Fill(random);
        else random.Clear();
        rng.MetaAd("rng"u8, more: false);
        rng.Key(random, more: false);
        Span<byte> wide = stackalloc byte[64];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)wide.Length);
        rng.MetaAd(length, more: false);
        rng.Prf(wide, more: false);
        return Ristretto.ReduceWide(wide);
    }
}
