using Hivetrain.Data;

namespace Hivetrain.Efficacy;

/// <summary>
/// Windows taken from several sources in turn: with one source per miner's shard, consecutive micro-batches come from
/// consecutive shards, so one model sees the union of the shards in the same amounts as the miners do.
/// </summary>
public sealed class RoundRobinWindowSource(IReadOnlyList<IWindowSource> sources) : IWindowSource
{
    private int _next;

    public TokenWindows Next(int rows, int context)
    {
        if (sources.Count == 0) throw new InvalidOperationException("no window sources");
        var source = sources[_next];
        _next = (_next + 1) % sources.Count;
        return source.Next(rows, context);
    }
}
