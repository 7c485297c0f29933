namespace Hivetrain.Efficacy;

/// <summary>One of issue 10's goals as measured by a run: what it asks, the figure, and whether it is met (null: not measured).</summary>
public sealed record EfficacyGoal(string Goal, string Figure, bool? Met);
