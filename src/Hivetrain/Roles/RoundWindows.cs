using Hivetrain.Data;

namespace Hivetrain.Roles;

/// <summary>The trainer's window source across rounds: the miner points it at each new base's assignment.</summary>
internal sealed class RoundWindows : IWindowSource
{
    public IWindowSource? Current { get; set; }

    public TokenWindows Next(int rows, int context) =>
        (Current ?? throw new InvalidOperationException("no assigned data on this base")).Next(rows, context);
}
