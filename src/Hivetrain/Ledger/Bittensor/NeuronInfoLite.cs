using Hivetrain.Ledger.Bittensor.Scale;

namespace Hivetrain.Ledger.Bittensor;

/// <summary>
/// One entry of <c>NeuronInfoRuntimeApi_get_neurons_lite</c> (pallet_subtensor::rpc_info::neuron_info::NeuronInfoLite),
/// the fields Hivetrain uses plus the rest decoded for completeness. Stake is the sum over the listed coldkeys, in rao,
/// checked (see <see cref="SumStake"/>).
/// </summary>
public sealed record NeuronInfoLite(
    byte[] Hotkey,
    byte[] Coldkey,
    ushort Uid,
    ushort Netuid,
    bool Active,
    AxonEndpoint Axon,
    ulong Stake,
    ushort Rank,
    ulong Emission,
    ushort Incentive,
    ushort Consensus,
    ushort Trust,
    ushort ValidatorTrust,
    ushort Dividends,
    ulong LastUpdate,
    bool ValidatorPermit,
    ushort PruningScore)
{
    /// <summary>
    /// Decodes the runtime call's answer: a Vec&lt;NeuronInfoLite&gt;, or, on runtimes whose API returned
    /// SCALE bytes (<paramref name="wrappedInBytes"/>), a Vec&lt;u8&gt; holding it.
    /// </summary>
    public static IReadOnlyList<NeuronInfoLite> DecodeList(ReadOnlyMemory<byte> bytes, bool wrappedInBytes)
    {
        var reader = new ScaleReader(bytes);
        if (wrappedInBytes)
        {
            var inner = reader.ReadBytes();
            reader.EnsureEnd();
            reader = new ScaleReader(inner);
        }
        var neurons = reader.ReadVector(Decode, minElementBytes: 64);
        reader.EnsureEnd();
        return neurons;
    }

    public static NeuronInfoLite Decode(ScaleReader r)
    {
        var hotkey = r.ReadRaw(32).ToArray();
        var coldkey = r.ReadRaw(32).ToArray();
        var uid = CompactU16(r);
        var netuid = CompactU16(r);
        var active = r.ReadBool();
        var axon = new AxonEndpoint(r.ReadU64(), r.ReadU32(), r.ReadU128(), r.ReadU16(), r.ReadU8(), r.ReadU8());
        r.ReadRaw(2); // axon placeholders
        r.ReadRaw(8 + 4 + 16 + 2 + 1); // prometheus: block, version, ip, port, ip_type
        var stake = SumStake(r.ReadVector(x => (x.ReadRaw(32).ToArray(), x.ReadCompact()), minElementBytes: 33), r.Offset);
        var rank = CompactU16(r);
        var emission = r.ReadCompact();
        var incentive = CompactU16(r);
        var consensus = CompactU16(r);
        var trust = CompactU16(r);
        var validatorTrust = CompactU16(r);
        var dividends = CompactU16(r);
        var lastUpdate = r.ReadCompact();
        var permit = r.ReadBool();
        var pruning = CompactU16(r);
        return new NeuronInfoLite(hotkey, coldkey, uid, netuid, active, axon, stake, rank, emission, incentive,
            consensus, trust, validatorTrust, dividends, lastUpdate, permit, pruning);
    }

    /// <summary>
    /// The stake over the coldkeys, summed with checked arithmetic: a sum past u64 (over 800× TAO's whole supply of
    /// 21e15 rao) cannot come from the chain, so the answer is rejected rather than wrapped or saturated.
    /// </summary>
    private static ulong SumStake((byte[] Coldkey, ulong Amount)[] stakes, int offset)
    {
        ulong sum = 0;
        foreach (var (_, amount) in stakes)
        {
            if (amount > ulong.MaxValue - sum)
                throw new ScaleException(ScaleErrorReason.OutOfRange, $"the stake over {stakes.Length} coldkeys exceeds u64", offset);
            sum += amount;
        }
        return sum;
    }

    private static ushort CompactU16(ScaleReader r)
    {
        int at = r.Offset;
        var value = r.ReadCompact();
        return value <= ushort.MaxValue ? (ushort)value
            : throw new ScaleException(ScaleErrorReason.InvalidCompact, $"compact {value} does not fit a u16", at);
    }
}

/// <summary>A neuron's served axon (block it was set at, version, IP as u128, port, IP type 4/6, protocol).</summary>
public sealed record AxonEndpoint(ulong Block, uint Version, UInt128 Ip, ushort Port, byte IpType, byte Protocol);
