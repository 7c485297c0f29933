using Hivetrain.Efficacy;

namespace Hivetrain.Tests.Efficacy;

/// <summary>Ignores an efficacy run's progress, counting the work it reports.</summary>
internal sealed class SilentEfficacyObserver : IEfficacyObserver
{
    public long Units { get; private set; }
    public void Advanced(long units, string detail) => Units += units;
    public void Evaluated(EfficacyRoundRecord record) { }
    public void Finished(EfficacySummary summary) { }
    public void Message(string text) { }
}
