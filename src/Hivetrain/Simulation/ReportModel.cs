using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Storage;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Simulation;

/// <summary>Loads published base models from the store to measure them on the report split (no role reads that split).</summary>
public sealed class ReportModel(IModelStore store, string baseRepo, torch.Device device) : IDisposable
{
    private string? _revision;

    public Gpt? Model { get; private set; }

    /// <summary>Loads <paramref name="baseModel"/> unless it is the one already loaded.</summary>
    public async Task<Gpt> LoadAsync(BaseModel baseModel, CancellationToken ct)
    {
        if (Model is not null && _revision == baseModel.Revision) return Model;
        Model = await baseModel.LoadAsync(store, baseRepo, Model, device, ct);
        _revision = baseModel.Revision;
        return Model;
    }

    public double Evaluate(TokenWindows sample, int batchRows) =>
        Evaluator.Evaluate(Model ?? throw new InvalidOperationException("no base loaded"), TokenWindowBatches.Split(sample, batchRows)).MeanLoss;

    public void Dispose() => Model?.Dispose();
}
