namespace Hivetrain.Efficacy;

/// <summary>Passes every report to <paramref name="inner"/> under one lock: conditions running side by side report from their own threads.</summary>
internal sealed class SynchronizedEfficacyObserver(IEfficacyObserver inner) : IEfficacyObserver
{
    private readonly Lock _lock = new();

    public void Advanced(long units, string detail)
    {
        lock (_lock) inner.Advanced(units, detail);
    }

    public void Evaluated(EfficacyRoundRecord record)
    {
        lock (_lock) inner.Evaluated(record);
    }

    public void Finished(EfficacySummary summary)
    {
        lock (_lock) inner.Finished(summary);
    }

    public void Message(string text)
    {
        lock (_lock) inner.Message(text);
    }
}
