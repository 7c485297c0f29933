using System.Text;

namespace Hivetrain.Ledger.Keys;

/// <summary>
/// The subset of STROBE-128/1600 that merlin transcripts use (meta-AD, AD, PRF, KEY), with merlin's framing:
/// rate 166 bytes, no transport operations.
/// </summary>
internal sealed class Strobe128
{
    private const int Rate = 166;
    private const byte FlagI = 1, FlagA = 2, FlagC = 4, FlagM = 16, FlagK = 32;

    private readonly byte[] _state = new byte[200];
    private int _position;
    private int _positionBegin;
    private byte _currentFlags;

    public Strobe128(string protocolLabel)
    {
        _state[0] = 1; _state[1] = Rate + 2; _state[2] = 1; _state[3] = 0; _state[4] = 1; _state[5] = 96;
        Encoding.ASCII.GetBytes("STROBEv1.0.2").CopyTo(_state, 6);
        Keccak.Permute(_state);
        MetaAd(Encoding.ASCII.GetBytes(protocolLabel), more: false);
    }

    private Strobe128(Strobe128 other)
    {
        other._state.CopyTo(_state, 0);
        _position = other._position;
        _positionBegin = other._positionBegin;
        _currentFlags = other._currentFlags;
    }

    public Strobe128 Clone() => new(this);

    public void MetaAd(ReadOnlySpan<byte> data, bool more) { BeginOp(FlagM | FlagA, more); Absorb(data); }

    public void Ad(ReadOnlySpan<byte> data, bool more) { BeginOp(FlagA, more); Absorb(data); }

    public void Prf(Span<byte> output, bool more) { BeginOp(FlagI | FlagA | FlagC, more); Squeeze(output); }

    public void Key(ReadOnlySpan<byte> data, bool more) { BeginOp(FlagA | FlagC, more); Overwrite(data); }

    private void RunF()
    {
        _state[_position] ^= (byte)_positionBegin;
        _state[_position + 1] ^= 0x04;
        _state[Rate + 1] ^= 0x80;
        Keccak.Permute(_state);
        _position = 0;
        _positionBegin = 0;
    }

    private void Absorb(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            _state[_position++] ^= b;
            if (_position == Rate) RunF();
        }
    }

    private void Overwrite(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            _state[_position++] = b;
            if (_position == Rate) RunF();
        }
    }

    private void Squeeze(Span<byte> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            output[i] = _state[_position];
            _state[_position++] = 0;
            if (_position == Rate) RunF();
        }
    }

    private void BeginOp(byte flags, bool more)
    {
        if (more)
        {
            if (_currentFlags != flags) throw new InvalidOperationException("continued a STROBE operation with other flags");
            return;
        }
        byte oldBegin = (byte)_positionBegin;
        _positionBegin = _position + 1;
        _currentFlags = flags;
        Absorb([oldBegin, flags]);
        bool forceF = (flags & (FlagC | FlagK)) != 0;
        if (forceF && _position != 0) RunF();
    }
}
