using Hivetrain.Training;

namespace Hivetrain.Roles;

/// <summary>
/// How a miner trains and publishes. It publishes every <see cref="PublishSteps"/> optimizer steps or every
/// <see cref="SendInterval"/>, whichever comes first, and looks for a new base every <see cref="PollInterval"/>.
/// </summary>
public sealed record MinerOptions(
    string RepoId,
    string BaseRepoId,
    TrainerOptions Training,
    int PublishSteps = 100,
    TimeSpan? SendInterval = null,
    TimeSpan? PollInterval = null,
    string DeltaEncoding = "f32",
    string Device = "cpu")
{
    public TimeSpan EffectiveSendInterval => SendInterval ?? TimeSpan.FromSeconds(800);
    public TimeSpan EffectivePollInterval => PollInterval ?? TimeSpan.FromSeconds(60);
}
