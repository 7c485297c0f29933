using CsCheck;
using Hivetrain.Ledger.Keys;

namespace Hivetrain.Tests.Ledger;

public sealed class Ss58Tests
{
    private const string AlicePublic = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
    private const string AliceAddress = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

    [Fact]
    public void Encodes_alice_public_key_to_her_generic_address() =>
        Assert.Equal(AliceAddress, Ss58.Encode(Convert.FromHexString(AlicePublic)));

    [Fact]
    public void Decodes_alice_address_to_her_public_key() =>
        Assert.Equal(AlicePublic, Convert.ToHexStringLower(Ss58.Decode(AliceAddress)));

    [Fact]
    public void Rejects_a_bad_checksum()
    {
        var tampered = AliceAddress[..^1] + (AliceAddress[^1] == 'Y' ? 'Z' : 'Y');
        var error = Assert.Throws<FormatException>(() => Ss58.Decode(tampered));
        Assert.Contains("checksum", error.Message);
    }

    [Fact]
    public void Rejects_another_network_prefix()
    {
        var polkadot = Ss58.Encode(Convert.FromHexString(AlicePublic), prefix: 0);
        var error = Assert.Throws<FormatException>(() => Ss58.Decode(polkadot));
        Assert.Contains("prefix 0", error.Message);
    }

    [Fact]
    public void Rejects_non_base58_and_wrong_length()
    {
        Assert.Contains("base58", Assert.Throws<FormatException>(() => Ss58.Decode("0OIl")).Message);
        Assert.Contains("bytes", Assert.Throws<FormatException>(() => Ss58.Decode("5Grwva")).Message);
        Assert.False(Ss58.IsValid("5Grwva"));
    }

    [Fact]
    public void Round_trips_any_key() =>
        Gen.Byte.Array[32].Sample(key => Assert.Equal(key, Ss58.Decode(Ss58.Encode(key))));
}
