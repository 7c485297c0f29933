namespace Hivetrain.Model;

/// <summary>One named parameter tensor of a <see cref="GptConfig"/>'s model: canonical Hugging Face name and shape.</summary>
public sealed record ParameterShape(string Name, long[] Shape)
{
    /// <summary>The token embedding [vocab, width], which is also the LM head (tied).</summary>
    public const string TokenEmbedding = "wte.weight";

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The model's parameters in canonical order (Hugging Face's <c>state_dict</c> order, no prefix, no buffers).</summary>
    public static IReadOnlyList<ParameterShape> For(GptConfig config)
    {
        long d = config.Width;
        var list = new List<ParameterShape>(4 + 12 * config.Layers)
        {
            new(TokenEmbedding, [config.Vocab, d]),
            new("wpe.weight", [config.Context, d]),
        };
        for (int i = 0; i < config.Layers; i++)
        {
            var p = $"h.{i}.";
            list.Add(new(p + "ln_1.weight", [d]));
            list.Add(new(p + "ln_1.bias", [d]));
            list.Add(new(p + "attn.c_attn.weight", [d, 3 * d]));
            list.Add(new(p + "attn.c_attn.bias", [3 * d]));
            list.Add(new(p + "attn.c_proj.weight", [d, d]));
            list.Add(new(p + "attn.c_proj.bias", [d]));
            list.Add(new(p + "ln_2.weight", [d]));
            list.Add(new(p + "ln_2.bias", [d]));
            list.Add(new(p + "mlp.c_fc.weight", [d, 4 * d]));
            list.Add(new(p + "mlp.c_fc.bias", [4 * d]));
            list.Add(new(p + "mlp.c_proj.weight", [4 * d, d]));
            list.Add(new(p + "mlp.c_proj.bias", [d]));
        }
        list.Add(new("ln_f.weight", [d]));
        list.Add(new("ln_f.bias", [d]));
        return list;
    }
}
