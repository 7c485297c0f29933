using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hivetrain.Model;

/// <summary>Maps a parsed Hugging Face GPT-2 <c>config.json</c> to a <see cref="GptConfig"/>, rejecting what the model lacks.</summary>
internal sealed class HuggingFaceConfigReader(JsonObject json)
{
    private static readonly string[] Activations = ["gelu_new", "gelu_pytorch_tanh"];
    private static readonly string[] Architectures = ["GPT2LMHeadModel", "GPT2Model"];

    public GptConfig Read()
    {
        var modelType = OptionalString("model_type");
        if (modelType is not null && modelType != "gpt2")
            Unsupported($"model_type '{modelType}' (only 'gpt2')");
        if (json["architectures"] is JsonArray architectures)
            foreach (var a in architectures)
                if (a?.GetValueKind() != JsonValueKind.String || !Architectures.Contains(a.GetValue<string>()))
                    Unsupported($"architecture {a?.ToJsonString() ?? "null"} (only {string.Join(", ", Architectures)})");
        var activation = OptionalString("activation_function");
        if (activation is not null && !Activations.Contains(activation))
            Unsupported($"activation_function '{activation}' (only gelu_new, the tanh approximation)");
        RequireFlag("tie_word_embeddings", expected: true);
        RequireFlag("scale_attn_weights", expected: true);
        RequireFlag("scale_attn_by_inverse_layer_idx", expected: false);
        RequireFlag("add_cross_attention", expected: false);

        int width = RequiredInt("n_embd");
        int positions = RequiredInt("n_positions");
        int? ctx = OptionalInt("n_ctx");
        if (ctx is { } c && c != positions)
            Unsupported($"n_ctx ({c}) differs from n_positions ({positions})");
        int? inner = OptionalInt("n_inner");
        if (inner is { } i && i != 4 * width)
            Unsupported($"n_inner ({i}) other than 4 × n_embd ({4 * width})");

        var config = new GptConfig(
            Layers: RequiredInt("n_layer"),
            Heads: RequiredInt("n_head"),
            Width: width,
            Context: positions,
            Vocab: RequiredInt("vocab_size"),
            LayerNormEps: OptionalDouble("layer_norm_epsilon") ?? 1e-5,
            Dropout: ReadDropout());
        config.Validate();
        return config;
    }

    private double ReadDropout()
    {
        var values = new[] { "resid_pdrop", "embd_pdrop", "attn_pdrop" }
            .Select(OptionalDouble).Where(v => v is not null).Select(v => v!.Value).Distinct().ToList();
        if (values.Count > 1)
            Unsupported($"different dropout rates ({string.Join(", ", values)}); this model has one rate");
        return values.Count == 0 ? 0.0 : values[0];
    }

    private void RequireFlag(string name, bool expected)
    {
        var node = json[name];
        if (node is null) return;
        if (node.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            Invalid($"'{name}' is not a boolean");
        if (node.GetValue<bool>() != expected)
            Unsupported($"{name} = {!expected} (only {expected})");
    }

    private int RequiredInt(string name) =>
        OptionalInt(name) ?? throw new CheckpointException(CheckpointErrorReason.InvalidConfig, $"config.json: '{name}' is missing");

    private int? OptionalInt(string name)
    {
        var node = json[name];
        if (node is null) return null;
        // JSON writers may spell integers as 768.0; accept those, reject fractions and overflow.
        double d = node.GetValueKind() == JsonValueKind.Number ? node.GetValue<double>() : double.NaN;
        if (d != Math.Floor(d) || d is < int.MinValue or > int.MaxValue)
            Invalid($"'{name}' is not an integer: {node.ToJsonString()}");
        return (int)d;
    }

    private double? OptionalDouble(string name)
    {
        var node = json[name];
        if (node is null) return null;
        if (node.GetValueKind() != JsonValueKind.Number)
            Invalid($"'{name}' is not a number: {node.ToJsonString()}");
        return node.GetValue<double>();
    }

    private string? OptionalString(string name)
    {
        var node = json[name];
        if (node is null) return null;
        if (node.GetValueKind() != JsonValueKind.String)
            Invalid($"'{name}' is not a string: {node.ToJsonString()}");
        return node.GetValue<string>();
    }

    [DoesNotReturn]
    private static void Invalid(string what) =>
        throw new CheckpointException(CheckpointErrorReason.InvalidConfig, $"config.json: {what}");

    [DoesNotReturn]
    private static void Unsupported(string what) =>
        throw new CheckpointException(CheckpointErrorReason.UnsupportedConfig, $"config.json: unsupported {what}");
}
