using Hivetrain.Data;

namespace Hivetrain.Simulation;

/// <summary>
/// A miner's training data when shards overlap: a fixed fraction of its batches come from a neighbour's shard
/// (interleaved evenly, the same on every run), so two neighbouring miners share that fraction of their data.
/// </summary>
public sealed class OverlappingWindows(IWindowSource own, IWindowSource neighbour, double overlap) : IWindowSource
{
    private long _batches;
    private double _fromNeighbour;

    public TokenWindows Next(int rows, int context)
    {
        _batches++;
        if (_fromNeighbour + 1 <= overlap * _batches)
        {
            _fromNeighbour++;
            return neighbour.Next(rows, context);
        }
        return own.Next(rows, context);
    }
}
