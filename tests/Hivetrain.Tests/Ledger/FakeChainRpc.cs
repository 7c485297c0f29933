using System.Text.Json;
using Hivetrain.Ledger.Bittensor.Rpc;

namespace Hivetrain.Tests.Ledger;

/// <summary>
/// An in-memory subtensor node: fixed answers per method (and first parameters), a storage map served by
/// state_getStorage / state_getKeysPaged / state_queryStorageAt, and a hook run on each submitted extrinsic.
/// A hostile node is played by <see cref="RawAnswer"/>; <see cref="MaxCalls"/> stops a client that never stops asking.
/// </summary>
internal sealed class FakeChainRpc : IChainRpc
{
    public Dictionary<string, string> Storage { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, JsonElement> Answers { get; } = [];
    public List<string> Submitted { get; } = [];
    public List<string> Calls { get; } = [];
    public Action<string>? OnSubmit { get; set; }
    public long BlockNumber { get; set; } = 1000;

    /// <summary>When it returns JSON text for a call, that is the answer (whatever the method would normally give).</summary>
    public Func<string, object?[], string?>? RawAnswer { get; set; }

    /// <summary>More calls than this fail the test instead of looping (a client paging forever).</summary>
    public int MaxCalls { get; set; } = 200;

    public FakeChainRpc()
    {
        Answer("state_getRuntimeVersion", new { specVersion = 343, transactionVersion = 1 });
        Answer("state_call:Metadata_metadata_at_version", File.ReadAllText(Path.Combine(BittensorFixtures.Folder, "metadata_v15_at_version.hex.txt")).Trim());
        Answer("chain_getBlockHash", "0x" + new string('1', 64));
        Answer("system_accountNextIndex", 5);
    }

    public void Answer(string key, object value) => Answers[key] = JsonSerializer.SerializeToElement(value);

    public Task<JsonElement> CallAsync(string method, object?[] parameters, CancellationToken ct)
    {
        Calls.Add(method);
        if (Calls.Count > MaxCalls) throw new InvalidOperationException($"the client made more than {MaxCalls} calls (last: {method})");
        if (RawAnswer?.Invoke(method, parameters) is { } raw) return Task.FromResult(JsonDocument.Parse(raw).RootElement.Clone());
        var first = parameters.Length > 0 ? parameters[0]?.ToString() : null;
        switch (method)
        {
            case "chain_getHeader":
                return Json(new { number = "0x" + BlockNumber.ToString("x") });
            case "state_getStorage":
                return Json(Storage.TryGetValue(first!, out var value) ? value : null);
            case "state_getKeysPaged":
                var start = parameters[2]!.ToString()!;
                return Json(Storage.Keys.Where(k => k.StartsWith(first!, StringComparison.OrdinalIgnoreCase) && string.CompareOrdinal(k, start) > 0)
                    .Order(StringComparer.Ordinal).Take(Convert.ToInt32(parameters[1])).ToArray());
            case "state_queryStorageAt":
                var keys = (string[])parameters[0]!;
                return Json(new[] { new { block = "0x00", changes = keys.Select(k => new[] { k, Storage.GetValueOrDefault(k) }).ToArray() } });
        }
        if (Answers.TryGetValue($"{method}:{first}", out var specific) || Answers.TryGetValue(method, out specific)) return Task.FromResult(specific);
        throw new InvalidOperationException($"the fake node has no answer for {method}({first})");
    }

    public Task<SubmissionOutcome> SubmitAndWatchAsync(string extrinsicHex, CancellationToken ct)
    {
        Submitted.Add(extrinsicHex);
        OnSubmit?.Invoke(extrinsicHex);
        return Task.FromResult(new SubmissionOutcome("0xabc", "0xdef"));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static Task<JsonElement> Json(object? value) => Task.FromResult(JsonSerializer.SerializeToElement(value));
}
