using Hivetrain.Artifacts;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Roles;

/// <summary>
/// The averager's outer step (DiLoCo): with the merged pseudo-gradient Δ = θ_merged − θ_base, Nesterov momentum
/// m ← μ·m + Δ and θ_new = θ_base + η·(Δ + μ·m). η = 1, μ = 0 is the plain merge. The momentum is averager
/// state, kept in a safetensors file and replaced only when a round is actually published.
/// </summary>
public sealed class OuterOptimizer : IDisposable
{
    private readonly string _statePath;
    private Dictionary<string, Tensor>? _momentum;
    private Dictionary<string, Tensor>? _pending;

    public OuterOptimizer(string statePath, double learningRate, double momentum)
    {
        if (!(learningRate > 0) || !double.IsFinite(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "outer learning rate must be positive");
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "outer momentum must be in [0, 1)");
        _statePath = statePath;
        LearningRate = learningRate;
        Momentum = momentum;
    }

    public double LearningRate { get; }
    public double Momentum { get; }

    /// <summary>True for η = 1, μ = 0: the merged model is published as it is.</summary>
    public bool IsPlain => LearningRate == 1 && Momentum == 0;

    /// <summary>
    /// Turns the merged parameters in <paramref name="parameters"/> into θ_new in place; the new momentum waits for
    /// <see cref="Commit"/>.
    /// </summary>
    public void Apply(IReadOnlyDictionary<string, Tensor> parameters, ParameterSnapshot baseParameters)
    {
        if (IsPlain) return;
        _momentum ??= Load(parameters);
        DisposePending();
        _pending = new Dictionary<string, Tensor>();
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in parameters)
        {
            using var scope = torch.NewDisposeScope();
            var delta = p - baseParameters[name];
            var m = _momentum.TryGetValue(name, out var previous) ? previous * Momentum + delta : delta.clone();
            p.copy_(baseParameters[name] + (delta + m * Momentum) * LearningRate);
            _pending[name] = m.DetachFromDisposeScope();
        }
    }

    /// <summary>Keeps the momentum of the last <see cref="Apply"/> (the round was published) and saves it.</summary>
    public void Commit()
    {
        if (_pending is null) return;
        SafeTensorsWriter.WriteFile(_statePath, _pending.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => SafeTensorsWriteEntry.FromTensor(p.Key, p.Value)),
            new Dictionary<string, string> { ["kind"] = "hivetrain/outer-momentum" });
        DisposeMomentum();
        _momentum = _pending;
        _pending = null;
    }

    /// <summary>The saved momentum when it matches the model's names and shapes; otherwise none (zero).</summary>
    private Dictionary<string, Tensor> Load(IReadOnlyDictionary<string, Tensor> parameters)
    {
        var momentum = new Dictionary<string, Tensor>();
        if (!File.Exists(_statePath)) return momentum;
        using var reader = SafeTensorsReader.Open(_statePath);
        if (reader.Entries.Count != parameters.Count) return momentum;
        foreach (var entry in reader.Entries)
        {
            if (!parameters.TryGetValue(entry.Name, out var p) || !p.shape.SequenceEqual(entry.Shape)) { foreach (var t in momentum.Values) t.Dispose(); return []; }
            momentum[entry.Name] = reader.ToTensor(entry).to(p.device).DetachFromDisposeScope();
        }
        return momentum;
    }

    private void DisposePending()
    {
        foreach (var t in _pending?.Values ?? Enumerable.Empty<Tensor>()) t.Dispose();
        _pending = null;
    }

    private void DisposeMomentum()
    {
        foreach (var t in _momentum?.Values ?? Enumerable.Empty<Tensor>()) t.Dispose();
        _momentum = null;
    }

    public void Dispose()
    {
        DisposePending();
        DisposeMomentum();
    }
}
