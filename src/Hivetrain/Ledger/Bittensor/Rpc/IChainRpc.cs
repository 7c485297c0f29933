using System.Text.Json;

namespace Hivetrain.Ledger.Bittensor.Rpc;

/// <summary>
/// A Substrate JSON-RPC 2.0 connection. Failures surface as <see cref="LedgerException"/>: Unavailable for
/// transport problems and timeouts, ProtocolError for malformed answers, and the node's own errors with its message.
/// </summary>
public interface IChainRpc : IAsyncDisposable
{
    /// <summary>Calls <paramref name="method"/> and returns its <c>result</c> (JSON null when the node answers null).</summary>
    Task<JsonElement> CallAsync(string method, object?[] parameters, CancellationToken ct);

    /// <summary>Submits a signed extrinsic and waits until it is in a block (or rejected); over HTTP only submits.</summary>
    Task<SubmissionOutcome> SubmitAndWatchAsync(string extrinsicHex, CancellationToken ct);
}

/// <summary>Where a submitted transaction ended: the block it was included in (null when only submitted) and its hash.</summary>
public sealed record SubmissionOutcome(string TransactionHash, string? InBlockHash);
