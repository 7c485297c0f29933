using Hivetrain.Data;

namespace Hivetrain.Simulation;

/// <summary>
/// The eval-overfitter's training data: the rows it predicts the validators will score on this round, drawn from the
/// validators' own eval split, served over and over. It predicts with the seed rule of an evaluation sample fixed
/// before the deadline (base revision and block window); a seed fixed only after the submissions makes the guess wrong.
/// </summary>
public sealed class PredictedSampleWindows(TokenSplit evalSplit, int sampleRows) : IWindowSource
{
    private TokenWindows? _target;
    private int _next;

    /// <summary>Aims at the sample for <paramref name="seed"/> (what it predicts the validators will draw).</summary>
    public void Aim(ulong seed, int context)
    {
        _target = EvaluationSample.Draw(evalSplit, seed, sampleRows, context);
        _next = 0;
    }

    public TokenWindows Next(int rows, int context)
    {
        var target = _target ?? throw new InvalidOperationException("the eval-overfitter has not aimed at a sample yet");
        if (target.Context != context) throw new ArgumentException($"aimed at context {target.Context}, asked for {context}");
        var ids = new int[rows * target.RowLength];
        for (int r = 0; r < rows; r++)
        {
            Array.Copy(target.Ids, _next * target.RowLength, ids, r * target.RowLength, target.RowLength);
            _next = (_next + 1) % target.Rows;
        }
        return new TokenWindows(ids, rows, context);
    }
}
