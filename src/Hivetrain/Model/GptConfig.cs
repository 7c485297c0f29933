using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hivetrain.Model;

/// <summary>
/// The shape of a GPT-2-architecture model: <see cref="Layers"/> pre-LN blocks of <see cref="Heads"/>-head causal
/// attention over <see cref="Width"/>-wide residuals, <see cref="Context"/> learned positions, a tied LM head.
/// </summary>
public sealed record GptConfig(
    int Layers,
    int Heads,
    int Width,
    int Context,
    int Vocab = GptConfig.Gpt2Vocab,
    double LayerNormEps = 1e-5,
    double Dropout = 0.0)
{
    /// <summary>The stock GPT-2 BPE vocabulary size (no pad token).</summary>
    public const int Gpt2Vocab = 50257;

    /// <summary>The original 124M-parameter GPT-2.</summary>
    public static GptConfig Gpt2 { get; } = new(Layers: 12, Heads: 12, Width: 768, Context: 1024);

    /// <summary>A model for unit tests: milliseconds per step.</summary>
    public static GptConfig Tiny { get; } = new(Layers: 2, Heads: 2, Width: 64, Context: 64);

    /// <summary>The simulated network's model: trains visibly within a minute on two cores.</summary>
    public static GptConfig Small { get; } = new(Layers: 4, Heads: 4, Width: 128, Context: 128);

    /// <summary>The throughput benchmark's model (width 512, context 256).</summary>
    public static GptConfig Bench { get; } = new(Layers: 6, Heads: 8, Width: 512, Context: 256);

    /// <summary>The preset names accepted by <see cref="Preset"/>.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["gpt2", "tiny", "small", "bench"];

    /// <summary>The preset called <paramref name="name"/> (gpt2, tiny, small, bench).</summary>
    public static GptConfig Preset(string name) => name switch
    {
        "gpt2" => Gpt2,
        "tiny" => Tiny,
        "small" => Small,
        "bench" => Bench,
        _ => throw new ArgumentException(
            $"unknown model preset '{name}' (known: {string.Join(", ", PresetNames)})", nameof(name)),
    };

    /// <summary>Width of one attention head.</summary>
    public int HeadWidth => Width / Heads;

    /// <summary>Number of trainable parameters (the LM head is tied to the token embedding, so not counted twice).</summary>
    public long ParameterCount
    {
        get
        {
            long d = Width;
            long perBlock = 2 * 2 * d          // ln_1, ln_2
                + d * 3 * d + 3 * d            // c_attn
                + d * d + d                    // attn.c_proj
                + d * 4 * d + 4 * d            // c_fc
                + 4 * d * d + d;               // mlp.c_proj
            return (long)Vocab * d + (long)Context * d + Layers * perBlock + 2 * d;
        }
    }

    /// <summary>Throws <see cref="CheckpointException"/> (UnsupportedConfig) naming the first impossible value.</summary>
    public void Validate()
    {
        static void Require(bool ok, string what)
        {
            if (!ok) throw new CheckpointException(CheckpointErrorReason.UnsupportedConfig, $"model config: {what}");
        }
        Require(Layers >= 1, $"n_layer must be at least 1, got {Layers}");
        Require(Heads >= 1, $"n_head must be at least 1, got {Heads}");
        Require(Width >= 1 && Width % Heads == 0, $"n_embd ({Width}) must be a positive multiple of n_head ({Heads})");
        Require(Context >= 1, $"n_positions must be at least 1, got {Context}");
        Require(Vocab >= 1, $"vocab_size must be at least 1, got {Vocab}");
        Require(LayerNormEps > 0 && double.IsFinite(LayerNormEps), $"layer_norm_epsilon must be positive, got {LayerNormEps}");
        Require(Dropout >= 0 && Dropout < 1, $"dropout must be in [0, 1), got {Dropout}");
    }

    /// <summary>The Hugging Face <c>config.json</c> text for this model (model_type gpt2, GPT2LMHeadModel).</summary>
    public string ToHuggingFaceJson()
    {
        var json = new JsonObject
        {
            ["model_type"] = "gpt2",
            ["architectures"] = new JsonArray("GPT2LMHeadModel"),
            ["activation_function"] = "gelu_new",
            ["n_layer"] = Layers,
            ["n_head"] = Heads,
            ["n_embd"] = Width,
            ["n_positions"] = Context,
            ["n_ctx"] = Context,
            ["vocab_size"] = Vocab,
            ["layer_norm_epsilon"] = LayerNormEps,
            ["resid_pdrop"] = Dropout,
            ["embd_pdrop"] = Dropout,
            ["attn_pdrop"] = Dropout,
            ["initializer_range"] = 0.02,
            // <|endoftext|> is the last id: 50256 in GPT-2's vocabulary, and in a compacted one (TokenCorpus.CompactAsync).
            ["bos_token_id"] = Vocab - 1,
            ["eos_token_id"] = Vocab - 1,
            ["tie_word_embeddings"] = true,
            ["scale_attn_weights"] = true,
            ["torch_dtype"] = "float32",
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// Reads a Hugging Face GPT-2 <c>config.json</c>. Throws <see cref="CheckpointException"/> with InvalidConfig for
    /// malformed JSON or missing fields and UnsupportedConfig for settings this implementation does not have.
    /// </summary>
    public static GptConfig FromHuggingFaceJson(string text)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(text) as JsonObject
                ?? throw new CheckpointException(CheckpointErrorReason.InvalidConfig, "config.json: top level is not an object");
        }
        catch (JsonException e)
        {
            throw new CheckpointException(CheckpointErrorReason.InvalidConfig, $"config.json: not valid JSON ({e.Message})", e);
        }
        return new HuggingFaceConfigReader(json).Read();
    }
}
