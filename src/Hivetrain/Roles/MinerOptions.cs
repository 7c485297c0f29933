using Hivetrain.Training;

namespace Hivetrain.Roles;

/// <summary>
/// How a miner trains and publishes. It publishes every <see cref="PublishSteps"/> optimizer steps or every
/// <see cref="SendInterval"/>, whichever comes first, and looks for a new base every <see cref="PollInterval"/>.
/// <see cref="StateDirectory"/> is its own scratch folder, where what a killed miner left is removed when it starts again
/// (default: a new folder in the system's temporary folder, removed when the miner is disposed).
/// <see cref="RestoreUnseenRows"/>: before each delta, the token embedding's rows of ids its windows never held since the
/// base go back to the base (<see cref="SeenTokens"/>); false sends them as trained. <see cref="KeepResidual"/>: whether
/// what its encoding dropped stays in its weights to be sent later (error feedback); null, the default: as the encoding
/// says (<see cref="Artifacts.DeltaEncoding.KeepsResidual"/>: yes for dense codes and int8, no for top-k and low rank).
/// </summary>
public sealed record MinerOptions(
    string RepoId,
    string BaseRepoId,
    TrainerOptions Training,
    int PublishSteps = 100,
    TimeSpan? SendInterval = null,
    TimeSpan? PollInterval = null,
    string DeltaEncoding = "f32",
    string Device = "cpu",
    string? StateDirectory = null,
    bool RestoreUnseenRows = true,
    bool? KeepResidual = null)
{
    public TimeSpan EffectiveSendInterval => SendInterval ?? TimeSpan.FromSeconds(800);
    public TimeSpan EffectivePollInterval => PollInterval ?? TimeSpan.FromSeconds(60);
}
