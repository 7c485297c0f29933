using Hivetrain.Model;
using Hivetrain.Training;

namespace Hivetrain.Tests.Training;

public sealed class ParameterGroupsTests
{
    [Fact]
    public void Hidden_matrices_are_exactly_the_blocks_attention_and_mlp_weights()
    {
        using var model = new Gpt(GptConfig.Tiny);

        var groups = ParameterGroups.Of(model);

        string[] hidden = [.. Enumerable.Range(0, GptConfig.Tiny.Layers).SelectMany(i => new[]
        {
            $"h.{i}.attn.c_attn.weight", $"h.{i}.attn.c_proj.weight", $"h.{i}.mlp.c_fc.weight", $"h.{i}.mlp.c_proj.weight",
        })];
        Assert.Equal(hidden.Order(), groups.HiddenMatrices.Order());
        Assert.Equal(["wpe.weight", "wte.weight"], groups.Embeddings.Order());
        Assert.All(groups.Vectors, name => Assert.True(name.EndsWith(".bias") || name.Contains("ln_"), name));
        Assert.Equal(model.ParameterNames.Order(), groups.HiddenMatrices.Concat(groups.Embeddings).Concat(groups.Vectors).Order());
    }
}
