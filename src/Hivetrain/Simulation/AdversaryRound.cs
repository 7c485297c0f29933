using Hivetrain.Model;
using Hivetrain.Roles;

namespace Hivetrain.Simulation;

/// <summary>
/// What a crafted adversary can see when it publishes in a round: the current base and its parameters, the bases
/// before it (oldest first, current last), the honest deltas' size, the repository it copies, and the repositories of
/// the miners whose published deltas it may read (everyone's deltas are public).
/// </summary>
public sealed record AdversaryRound(
    int Round,
    BaseModel Base,
    Gpt Model,
    IReadOnlyList<string> BaseHistory,
    double HonestNorm,
    string VictimRepo,
    IReadOnlyList<string> HonestRepos);
