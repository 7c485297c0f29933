namespace Hivetrain.Efficacy;

/// <summary>
/// What a sweep's trials report to the run's observer: their training work and notes, not their evaluations, which are
/// losses on the guard split and would read as report losses beside the conditions'.
/// </summary>
internal sealed class SweepObserver(IEfficacyObserver inner) : IEfficacyObserver
{
    public void Advanced(long units, string detail) => inner.Advanced(units, detail);
    public void Evaluated(EfficacyRoundRecord record) { }
    public void Finished(EfficacySummary summary) { }
    public void Message(string text) => inner.Message(text);
}
