namespace Hivetrain.Efficacy;

/// <summary>
/// What the miners of a comparison do with their inner AdamW's second moments v at each round's end
/// (<c>--miner_moments</c>, <see cref="SecondMomentShare"/>).
/// </summary>
public enum MomentSharing
{
    /// <summary>Each miner keeps its own v (the real miner; DiLoCo).</summary>
    Own,

    /// <summary>Every participant's v becomes the participants' mean, sent and received in bf16.</summary>
    Shared,

    /// <summary>The same from each v's factored form (Adafactor's row and column means of a matrix, f32; a vector whole): about 4% of a dense bf16 delta at full size.</summary>
    Factored,
}
