using System.Text.Json.Serialization;

namespace Hivetrain.Cli.Runs;

/// <summary>
/// One line of <c>metrics.jsonl</c>: after optimizer step <see cref="Step"/> (1-based; step 0 is the untrained model,
/// which has only an <see cref="EvalLoss"/>). <see cref="EvalLoss"/> is present only where held-out loss was measured.
/// </summary>
internal sealed record MetricsRecord(
    [property: JsonPropertyName("step")] long Step,
    [property: JsonPropertyName("loss")] double? Loss,
    [property: JsonPropertyName("lr")] double? LearningRate,
    [property: JsonPropertyName("grad_norm")] double? GradNorm,
    [property: JsonPropertyName("tokens")] long Tokens,
    [property: JsonPropertyName("tokens_per_s")] double? TokensPerSecond,
    [property: JsonPropertyName("eval_loss")] double? EvalLoss);
