using Hivetrain.Model;
using Hivetrain.Roles;

namespace Hivetrain.Simulation;

/// <summary>
/// What a crafted adversary can see when it publishes in a round: the current base and its parameters, the bases
/// before it (oldest first, current last), the honest deltas' size, the repository it copies, and the repositories of
/// the honest miners whose published deltas it may read (everyone's deltas are public), and the honest repository that
/// earned the most weight last round (null in the first).
/// </summary>
public sealed record AdversaryRound(
    int Round,
    BaseModel Base,
    Gpt Model,
    IReadOnlyList<string> BaseHistory,
    double HonestNorm,
    string VictimRepo,
    IReadOnlyList<string> HonestRepos,
    string? BestHonestRepo = null);
