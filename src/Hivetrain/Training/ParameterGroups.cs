using Hivetrain.Model;

namespace Hivetrain.Training;

/// <summary>
/// How a <see cref="Trainer"/> splits a model's parameters (canonical names): the transformer blocks' 2-D weight
/// matrices (attention and MLP projections, the ones <see cref="Muon"/> is for), the other matrices (token and position
/// embeddings; the LM head is the token embedding), and the vectors (layer-norm gains and biases, never decayed).
/// </summary>
public sealed record ParameterGroups(IReadOnlyList<string> HiddenMatrices, IReadOnlyList<string> Embeddings, IReadOnlyList<string> Vectors)
{
    /// <summary>The groups of <paramref name="model"/>'s parameters, each in canonical order.</summary>
    public static ParameterGroups Of(Gpt model)
    {
        var names = model.ParameterNames;
        bool IsMatrix(string name) => model.NamedParameters[name].dim() >= 2;
        // Embeddings are lookups, not maps between hidden states, so Muon's reasoning does not apply to them (nor to wte as
        // the LM head, whose output side is the vocabulary); every block parameter is under "h.{i}.".
        bool InBlock(string name) => name.StartsWith("h.", StringComparison.Ordinal);
        return new ParameterGroups(
            names.Where(n => IsMatrix(n) && InBlock(n)).ToArray(),
            names.Where(n => IsMatrix(n) && !InBlock(n)).ToArray(),
            names.Where(n => !IsMatrix(n)).ToArray());
    }
}
