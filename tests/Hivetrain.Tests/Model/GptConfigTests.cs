using Hivetrain.Model;

namespace Hivetrain.Tests.Model;

public sealed class GptConfigTests
{
    [Fact]
    public void Gpt2_preset_has_124M_parameters_in_148_tensors()
    {
        var shapes = ParameterShape.For(GptConfig.Gpt2);
        Assert.Equal(148, shapes.Count);
        Assert.Equal(124_439_808L, GptConfig.Gpt2.ParameterCount);
        Assert.Equal(GptConfig.Gpt2.ParameterCount, shapes.Sum(s => s.ElementCount));
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("tiny")]
    [InlineData("small")]
    [InlineData("bench")]
    public void Presets_round_trip_through_huggingface_json(string name)
    {
        var config = GptConfig.Preset(name);
        Assert.Equal(config, GptConfig.FromHuggingFaceJson(config.ToHuggingFaceJson()));
        Assert.Equal(50257, config.Vocab);
    }

    [Fact]
    public void Reads_the_original_gpt2_config()
    {
        const string json = """
            {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
             "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02,
             "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768, "n_head": 12,
             "n_layer": 12, "n_positions": 1024, "resid_pdrop": 0.1, "summary_activation": null,
             "summary_first_dropout": 0.1, "summary_proj_to_labels": true, "summary_type": "cls_index",
             "summary_use_proj": true, "task_specific_params": {"text-generation": {"do_sample": true, "max_length": 50}},
             "vocab_size": 50257}
            """;
        Assert.Equal(GptConfig.Gpt2 with { Dropout = 0.1 }, GptConfig.FromHuggingFaceJson(json));
    }

    [Theory]
    [InlineData("""{"model_type": "llama", "n_embd": 64, "n_layer": 2, "n_head": 2, "n_positions": 64, "vocab_size": 50257}""", "model_type")]
    [InlineData("""{"activation_function": "relu", "n_embd": 64, "n_layer": 2, "n_head": 2, "n_positions": 64, "vocab_size": 50257}""", "activation_function")]
    [InlineData("""{"architectures": ["GPT2ForSequenceClassification"], "n_embd": 64, "n_layer": 2, "n_head": 2, "n_positions": 64, "vocab_size": 50257}""", "architecture")]
    [InlineData("""{"n_ctx": 32, "n_embd": 64, "n_layer": 2, "n_head": 2, "n_positions": 64, "vocab_size": 50257}""", "n_ctx")]
    [InlineData("""{"n_inner": 100, "n_embd": 64, "n_layer": 2, "n_head": 2, "n_positions": 64, "vocab_size": 50257}""", "n_inner")]
    [InlineData("""{"tie_word_embeddings": false, "n_embd": 64, "n_layer": 2, "n_head": 2, "n_positions": 64, "vocab_size": 50257}""", "tie_word_embeddings")]
    [InlineData("""{"n_embd": 64, "n_layer": 2, "n_head": 3, "n_positions": 64, "vocab_size": 50257}""", "n_head")]
    [InlineData("""{"n_embd": 64, "n_layer": 0, "n_head": 2, "n_positions": 64, "vocab_size": 50257}""", "n_layer")]
    public void Rejects_unsupported_settings_naming_them(string json, string named)
    {
        var e = Assert.Throws<CheckpointException>(() => GptConfig.FromHuggingFaceJson(json));
        Assert.Equal(CheckpointErrorReason.UnsupportedConfig, e.Reason);
        Assert.Contains(named, e.Message);
    }

    [Theory]
    [InlineData("{not json", "JSON")]
    [InlineData("[1, 2]", "object")]
    [InlineData("""{"n_layer": 2, "n_head": 2, "n_positions": 64, "vocab_size": 50257}""", "n_embd")]
    [InlineData("""{"n_embd": 64.5, "n_layer": 2, "n_head": 2, "n_positions": 64, "vocab_size": 50257}""", "n_embd")]
    [InlineData("""{"n_embd": "64", "n_layer": 2, "n_head": 2, "n_positions": 64, "vocab_size": 50257}""", "n_embd")]
    [InlineData("""{"n_embd": 64, "n_layer": 2, "n_head": 2, "n_positions": 64, "vocab_size": 1e12}""", "vocab_size")]
    public void Rejects_malformed_configs_naming_the_field(string json, string named)
    {
        var e = Assert.Throws<CheckpointException>(() => GptConfig.FromHuggingFaceJson(json));
        Assert.Equal(CheckpointErrorReason.InvalidConfig, e.Reason);
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void Unknown_preset_is_an_argument_error()
    {
        var e = Assert.Throws<ArgumentException>(() => GptConfig.Preset("huge"));
        Assert.Contains("huge", e.Message);
    }
}
