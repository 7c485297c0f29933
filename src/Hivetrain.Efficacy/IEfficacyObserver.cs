namespace Hivetrain.Efficacy;

/// <summary>Where an efficacy run reports: training work done (for one bar over the whole run), evaluations, notes.</summary>
public interface IEfficacyObserver
{
    /// <summary><paramref name="units"/> more units of training work are done (a micro-batch of one model is one unit).</summary>
    void Advanced(long units, string detail);

    /// <summary>A condition's model was evaluated after a round.</summary>
    void Evaluated(EfficacyRoundRecord record);

    /// <summary>A condition finished.</summary>
    void Finished(EfficacySummary summary);

    void Message(string text);
}
