using Hivetrain.Ledger.Bittensor.Scale;
using Hivetrain.Ledger.Keys;

namespace Hivetrain.Ledger.Bittensor;

/// <summary>
/// Signed extrinsics, format v4: <c>Compact(len) ‖ 0x84 ‖ MultiAddress::Id(signer) ‖ MultiSignature::Sr25519(sig) ‖
/// extra ‖ call</c>. The extension list comes from the metadata: known extensions are encoded by identifier,
/// unknown ones must carry no data, otherwise the transaction cannot be built safely.
/// </summary>
public static class Extrinsic
{
    private const byte SignedV4 = 0x84;
    private const byte MultiAddressId = 0x00;
    private const byte MultiSignatureSr25519 = 0x01;

    /// <summary>The bytes that get signed: <c>call ‖ extra ‖ additional</c>, hashed with blake2-256 when longer than 256 bytes.</summary>
    public static byte[] SigningPayload(ChainContext chain, ReadOnlySpan<byte> call, TransactionParameters tx)
    {
        var (extra, additional) = Extensions(chain, tx);
        byte[] payload = [.. call, .. extra, .. additional];
        return payload.Length > 256 ? Blake2b.Hash256(payload) : payload;
    }

    /// <summary>Signs <paramref name="call"/> and returns the encoded extrinsic, ready for <c>author_submitExtrinsic</c>.</summary>
    public static byte[] Sign(ChainContext chain, Keypair signer, ReadOnlySpan<byte> call, TransactionParameters tx)
    {
        var signature = Sr25519.Sign(signer, SigningPayload(chain, call, tx));
        return Assemble(chain, signer.PublicKey, signature, call, tx);
    }

    /// <summary>Assembles a signed extrinsic from a signature made elsewhere.</summary>
    public static byte[] Assemble(ChainContext chain, ReadOnlySpan<byte> signerPublicKey, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> call, TransactionParameters tx)
    {
        if (chain.Metadata.ExtrinsicVersion != 4)
            throw new LedgerException(LedgerErrorReason.NotSupported, $"the chain uses extrinsic version {chain.Metadata.ExtrinsicVersion}; only v4 is supported");
        var (extra, _) = Extensions(chain, tx);
        var body = new ScaleWriter()
            .WriteU8(SignedV4)
            .WriteU8(MultiAddressId).WriteRaw(signerPublicKey)
            .WriteU8(MultiSignatureSr25519).WriteRaw(signature)
            .WriteRaw(extra)
            .WriteRaw(call)
            .ToArray();
        return new ScaleWriter().WriteBytes(body).ToArray();
    }

    private static (byte[] Extra, byte[] Additional) Extensions(ChainContext chain, TransactionParameters tx)
    {
        var extra = new ScaleWriter();
        var additional = new ScaleWriter();
        foreach (var extension in chain.Metadata.SignedExtensions)
        {
            bool explicitDone = true, implicitDone = true;
            switch (extension.Identifier)
            {
                case "CheckSpecVersion": additional.WriteU32(chain.SpecVersion); break;
                case "CheckTxVersion": additional.WriteU32(chain.TransactionVersion); break;
                case "CheckGenesis": additional.WriteRaw(chain.GenesisHash); break;
                case "CheckMortality" or "CheckEra":
                    extra.WriteRaw(tx.Era.Encode());
                    additional.WriteRaw(tx.EraBlockHash);
                    break;
                case "CheckNonce": extra.WriteCompact(tx.Nonce); break;
                case "ChargeTransactionPayment" or "ChargeTransactionPaymentWrapper": extra.WriteCompact(tx.Tip); break;
                case "CheckMetadataHash":
                    extra.WriteU8(0);       // mode: disabled
                    additional.WriteU8(0);  // Option<[u8; 32]>::None
                    break;
                default: explicitDone = implicitDone = false; break;
            }
            if (!explicitDone && !chain.Metadata.IsZeroSized(extension.Type) || !implicitDone && !chain.Metadata.IsZeroSized(extension.AdditionalSignedType))
                throw new LedgerException(LedgerErrorReason.NotSupported,
                    $"the runtime's transaction extension {extension.Identifier} carries data this client does not know how to fill");
        }
        return (extra.ToArray(), additional.ToArray());
    }
}
