namespace Hivetrain.Roles;

/// <summary>Why a miner's submission earns nothing in a round (DESIGN.md, Scoring); carried as a value to records and reports.</summary>
public enum RejectionReason
{
    /// <summary>The committed repository has no revision yet.</summary>
    NoDelta,
    /// <summary>The repository or its delta file could not be read (missing, unreachable, too large).</summary>
    Unavailable,
    /// <summary>The file failed a check of the strict delta reader (<see cref="MinerRejection.Check"/> says which).</summary>
    InvalidDelta,
    /// <summary>The delta is on an older base than the round's.</summary>
    Stale,
    /// <summary>The delta is on the previous base, within the grace period after a new one: skipped, the moving average kept.</summary>
    StaleInGrace,
    /// <summary>The delta carries no signature.</summary>
    Unsigned,
    /// <summary>The signature does not verify for the hotkey the delta names.</summary>
    BadSignature,
    /// <summary>The deltas in the committed repository are signed by another hotkey (<see cref="MinerRejection.Other"/>) that committed it too.</summary>
    ForeignRepository,
    /// <summary>The deltas in the committed repository are signed by a hotkey that did not commit it.</summary>
    SignerNotCommitted,
    /// <summary>Same content as, or collinear with (rescaled, negated), a delta published earlier by another hotkey (<see cref="MinerRejection.Other"/>).</summary>
    Copy,
    /// <summary>The uid has no assigned data this round (it registered after the round's base was published).</summary>
    Unassigned,
    /// <summary>Left out of the exact evaluation by screening.</summary>
    ScreenedOut,
    /// <summary>The loss is not finite with the delta applied.</summary>
    NonFiniteLoss,
    /// <summary>The held-out loss reduction is not significant.</summary>
    NoReduction,
    /// <summary>The held-out loss reduction is under the round's floor (a share of the best).</summary>
    Negligible,
    /// <summary>The own-data test disproves the delta: it lowers the loss on the miner's own assigned data no more than on the held-out sample (or not at all): not trained on its assignment.</summary>
    Unproven,
    /// <summary>The canary test shows training on the public eval split: its rows lose more with the delta than the rows dealt to others, over the rounds.</summary>
    EvalTrained,
}
