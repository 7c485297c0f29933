using Hivetrain.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hivetrain.Model;

/// <summary>
/// A GPT-2-architecture causal language model (nanoGPT's model.py, with Hugging Face's parameter names and layouts):
/// token + learned position embeddings, <see cref="GptConfig.Layers"/> pre-LN blocks, a final layer norm and an
/// LM head tied to the token embedding. All parameters live on one device.
/// </summary>
public sealed class Gpt : nn.Module<Tensor, Tensor>
{
    private readonly Embedding tokenEmbedding;
    private readonly Embedding positionEmbedding;
    private readonly nn.Module<Tensor, Tensor> embeddingDropout;
    private readonly ModuleList<GptBlock> blocks;
    private readonly nn.Module<Tensor, Tensor> finalNorm;
    private readonly Dictionary<string, Tensor> byName;

    /// <summary>A freshly initialised model; the same <paramref name="seed"/> gives the same weights on any device.</summary>
    public Gpt(GptConfig config, long seed = 0, Device? device = null) : base(nameof(Gpt))
    {
        config.Validate();
        Config = config;
        Device = device ?? torch.CPU;
        using var generator = new Generator((ulong)seed);
        tokenEmbedding = nn.Embedding(config.Vocab, config.Width, device: Device);
        positionEmbedding = nn.Embedding(config.Context, config.Width, device: Device);
        // Each getter call makes a new wrapper; keep it until its fill returns (a garbage wrapper's finalizer frees it mid-copy).
        using (var weight = tokenEmbedding.weight!) GptInit.Normal(weight, GptInit.Std, generator);
        using (var weight = positionEmbedding.weight!) GptInit.Normal(weight, GptInit.Std, generator);
        embeddingDropout = nn.Dropout(config.Dropout);
        blocks = new ModuleList<GptBlock>();
        for (int i = 0; i < config.Layers; i++) blocks.Add(new GptBlock(config, generator, Device));
        finalNorm = nn.LayerNorm(config.Width, config.LayerNormEps, device: Device);
        register_module("wte", tokenEmbedding);
        register_module("wpe", positionEmbedding);
        register_module("drop", embeddingDropout);
        register_module("h", blocks);
        register_module("ln_f", finalNorm);

        byName = named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        ParameterNames = ParameterShape.For(config).Select(p => p.Name).ToArray();
        if (!byName.Keys.Order().SequenceEqual(ParameterNames.Order()))
            throw new InvalidOperationException("model parameter names differ from the canonical GPT-2 names");
    }

    public GptConfig Config { get; }

    /// <summary>The device holding every parameter.</summary>
    public Device Device { get; }

    /// <summary>Canonical parameter names in Hugging Face's order (the order for deltas and checkpoints).</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Every parameter by canonical name (the live tensors: write them only under <c>torch.no_grad()</c>).</summary>
    public IReadOnlyDictionary<string, Tensor> NamedParameters => byName;

    /// <summary>Logits <c>[batch, time, vocab]</c> for token ids <paramref name="idx"/> <c>[batch, time]</c> (int64, time ≤ context).</summary>
    public override Tensor forward(Tensor idx)
    {
        using var scope = torch.NewDisposeScope();
        var hidden = Hidden(idx);
        return nn.functional.linear(hidden, tokenEmbedding.weight!).MoveToOuterDisposeScope();
    }

    /// <summary>Same as <see cref="forward"/>.</summary>
    public Tensor Forward(Tensor idx) => forward(idx);

    /// <summary>Mean next-token cross-entropy over every position of <paramref name="windows"/> (a scalar tensor).</summary>
    public Tensor Loss(TokenWindows windows)
    {
        using var scope = torch.NewDisposeScope();
        var (inputs, targets) = ToTensors(windows);
        var logits = forward(inputs);
        return nn.functional.cross_entropy(logits.view(-1, Config.Vocab), targets.view(-1)).MoveToOuterDisposeScope();
    }

    /// <summary>Input ids <c>[rows, ctx]</c> and target ids <c>[rows, ctx]</c> (int64, on this model's device).</summary>
    public (Tensor Inputs, Tensor Targets) ToTensors(TokenWindows windows)
    {
        CheckWindows(windows);
        using var scope = torch.NewDisposeScope();
        var ids = torch.tensor(windows.Ids, dtype: ScalarType.Int64, device: Device).view(windows.Rows, windows.RowLength);
        var inputs = ids.narrow(1, 0, windows.Context).contiguous();
        var targets = ids.narrow(1, 1, windows.Context).contiguous();
        return (inputs.MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope());
    }

    /// <summary>The final layer norm's output <c>[batch, time, width]</c>, before the LM head.</summary>
    private Tensor Hidden(Tensor idx)
    {
        if (idx.dim() != 2)
            throw new ArgumentException($"token ids must be [batch, time], got [{string.Join(", ", idx.shape)}]", nameof(idx));
        long time = idx.shape[1];
        if (time > Config.Context)
            throw new ArgumentException($"sequence of {time} tokens is longer than the model's context {Config.Context}", nameof(idx));
        using var end = time.ToScalar();
        var positions = torch.arange(TorchScalars.Zero, end, TorchScalars.One, dtype: ScalarType.Int64, device: idx.device);
        var x = embeddingDropout.forward(tokenEmbedding.forward(idx).Plus(positionEmbedding.forward(positions)));
        foreach (var block in blocks) x = block.forward(x);
        return finalNorm.forward(x);
    }

    private void CheckWindows(TokenWindows windows)
    {
        if (windows.Rows < 1 || windows.Context < 1 || windows.Ids.Length != (long)windows.Rows * windows.RowLength)
            throw new ArgumentException(
                $"token windows hold {windows.Ids.Length} ids, expected {windows.Rows} rows × {windows.RowLength}", nameof(windows));
        if (windows.Context > Config.Context)
            throw new ArgumentException(
                $"windows of {windows.Context} tokens exceed the model's context {Config.Context}", nameof(windows));
        foreach (var id in windows.Ids)
            if ((uint)id >= (uint)Config.Vocab)
                throw new ArgumentException($"token id {id} is outside the vocabulary [0, {Config.Vocab})", nameof(windows));
    }
}
