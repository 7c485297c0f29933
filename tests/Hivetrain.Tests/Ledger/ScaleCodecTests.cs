using System.Numerics;
using CsCheck;
using Hivetrain.Ledger.Bittensor.Scale;

namespace Hivetrain.Tests.Ledger;

public sealed class ScaleCodecTests
{
    [Theory]
    [InlineData(0ul, "00")]
    [InlineData(1ul, "04")]
    [InlineData(63ul, "fc")]
    [InlineData(64ul, "0101")]
    [InlineData(16383ul, "fdff")]
    [InlineData(16384ul, "02000100")]
    [InlineData(1073741823ul, "feffffff")]
    [InlineData(1073741824ul, "0300000040")]
    [InlineData(ulong.MaxValue, "13ffffffffffffffff")]
    public void Compact_integers_match_the_spec_examples(ulong value, string hex)
    {
        Assert.Equal(hex, Convert.ToHexStringLower(new ScaleWriter().WriteCompact(value).ToArray()));
        Assert.Equal(value, new ScaleReader(Convert.FromHexString(hex)).ReadCompact());
    }

    [Fact]
    public void Compact_round_trips_any_u64() =>
        Gen.ULong.Sample(v => Assert.Equal(v, new ScaleReader(new ScaleWriter().WriteCompact(v).ToArray()).ReadCompact()));

    [Theory]
    [InlineData("0100")]          // 0 in two-byte mode
    [InlineData("02000000")]      // 0 in four-byte mode
    [InlineData("0300000000")]    // 0 in big-integer mode
    public void Rejects_compact_integers_not_in_shortest_form(string hex) =>
        Assert.Equal(ScaleErrorReason.InvalidCompact, Assert.Throws<ScaleException>(() => new ScaleReader(Convert.FromHexString(hex)).ReadCompact()).Reason);

    [Fact]
    public void Rejects_compact_beyond_u64()
    {
        var bytes = new ScaleWriter().WriteCompact(BigInteger.One << 64).ToArray();
        Assert.Equal(ScaleErrorReason.InvalidCompact, Assert.Throws<ScaleException>(() => new ScaleReader(bytes).ReadCompact()).Reason);
        Assert.Equal(BigInteger.One << 64, new ScaleReader(bytes).ReadCompactBig());
    }

    [Fact]
    public void Vectors_options_and_strings_round_trip()
    {
        var bytes = new ScaleWriter().WriteVector(new ushort[] { 1, 2, 65535 }, (w, v) => w.WriteU16(v)).WriteString("héllo").WriteU8(1).WriteU32(7).WriteU8(0).WriteBool(true).ToArray();
        var r = new ScaleReader(bytes);
        Assert.Equal(new ushort[] { 1, 2, 65535 }, r.ReadVector(x => x.ReadU16(), minElementBytes: 2));
        Assert.Equal("héllo", r.ReadString());
        Assert.Equal(7u, r.ReadOptionValue(x => x.ReadU32()));
        Assert.Null(r.ReadOptionValue(x => x.ReadU32()));
        Assert.True(r.ReadBool());
        r.EnsureEnd();
    }

    [Fact]
    public void Rejects_bad_tags_lengths_and_truncation()
    {
        Assert.Equal(ScaleErrorReason.InvalidTag, Assert.Throws<ScaleException>(() => new ScaleReader(new byte[] { 2 }).ReadBool()).Reason);
        Assert.Equal(ScaleErrorReason.InvalidTag, Assert.Throws<ScaleException>(() => new ScaleReader(new byte[] { 2 }).ReadOptionValue(x => x.ReadU8())).Reason);
        Assert.Equal(ScaleErrorReason.LengthTooLarge, Assert.Throws<ScaleException>(() => new ScaleReader(new byte[] { 0x10, 1 }).ReadBytes()).Reason);
        Assert.Equal(ScaleErrorReason.Truncated, Assert.Throws<ScaleException>(() => new ScaleReader(new byte[] { 1, 2, 3 }).ReadU32()).Reason);
        Assert.Equal(ScaleErrorReason.TrailingBytes, Assert.Throws<ScaleException>(() => new ScaleReader(new byte[] { 1 }).EnsureEnd()).Reason);
    }
}
