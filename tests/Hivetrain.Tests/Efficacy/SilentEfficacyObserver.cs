using Hivetrain.Efficacy;

namespace Hivetrain.Tests.Efficacy;

/// <summary>Ignores an efficacy run's progress, counting the work and the evaluations it reports and keeping its messages.</summary>
internal sealed class SilentEfficacyObserver : IEfficacyObserver
{
    public long Units { get; private set; }
    public void Advanced(long units, string detail) => Units += units;
    public int Evaluations { get; private set; }
    public void Evaluated(EfficacyRoundRecord record) => Evaluations++;
    public void Finished(EfficacySummary summary) { }
    public List<string> Messages { get; } = [];
    public void Message(string text) => Messages.Add(text);
}
