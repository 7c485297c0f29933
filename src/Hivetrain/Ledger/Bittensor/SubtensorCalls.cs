using System.Text;
using Hivetrain.Ledger.Bittensor.Metadata;
using Hivetrain.Ledger.Bittensor.Scale;

namespace Hivetrain.Ledger.Bittensor;

/// <summary>
/// Encodes the calls Hivetrain submits, with pallet and call indices taken from the metadata and the parameter
/// list checked against it, so a runtime upgrade that changes a signature fails loudly instead of mis-encoding.
/// </summary>
public static class SubtensorCalls
{
    /// <summary><c>SubtensorModule.set_weights(netuid, dests, weights, version_key)</c>.</summary>
    public static byte[] SetWeights(RuntimeMetadata metadata, ushort netuid, IReadOnlyList<UidWeight> weights, ulong versionKey)
    {
        var writer = Begin(metadata, "SubtensorModule", "set_weights", "netuid", "dests", "weights", "version_key");
        writer.WriteU16(netuid);
        writer.WriteVector(weights, (w, x) => w.WriteU16(checked((ushort)x.Uid)));
        writer.WriteVector(weights, (w, x) => w.WriteU16(x.Weight));
        writer.WriteU64(versionKey);
        return writer.ToArray();
    }

    /// <summary><c>Commitments.set_commitment(netuid, info: CommitmentInfo{fields: [Raw(data)]})</c>.</summary>
    public static byte[] SetCommitment(RuntimeMetadata metadata, ushort netuid, string data)
    {
        var bytes = Encoding.UTF8.GetBytes(data);
        if (bytes.Length > CommitmentData.MaxRawBytes)
            throw new LedgerException(LedgerErrorReason.CommitmentTooLong, $"the commitment is {bytes.Length} UTF-8 bytes; a Raw field holds at most {CommitmentData.MaxRawBytes}");
        var writer = Begin(metadata, "Commitments", "set_commitment", "netuid", "info");
        writer.WriteU16(netuid);
        writer.WriteCompact(1);
        CommitmentData.WriteRaw(writer, bytes);
        return writer.ToArray();
    }

    private static ScaleWriter Begin(RuntimeMetadata metadata, string pallet, string call, params string[] parameters)
    {
        var (palletIndex, callIndex) = metadata.CallIndex(pallet, call);
        var fields = metadata.CallFields(pallet, call).Select(f => f.Name).ToArray();
        if (!fields.SequenceEqual(parameters))
            throw new LedgerException(LedgerErrorReason.ProtocolError,
                $"{pallet}.{call} takes ({string.Join(", ", fields)}) on this runtime, this client encodes ({string.Join(", ", parameters)})");
        return new ScaleWriter().WriteU8(palletIndex).WriteU8(callIndex);
    }
}
