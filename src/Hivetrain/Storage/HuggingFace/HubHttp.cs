using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;

namespace Hivetrain.Storage.HuggingFace;

/// <summary>
/// The HTTP transport to the Hub: adds the token only to requests for the Hub's own origin, follows
/// redirects by hand (relative ones keep the token, the CDN never gets it), retries 429/5xx with
/// backoff and Retry-After for calls marked idempotent, and turns failures into <see cref="StoreException"/>.
/// </summary>
internal sealed class HubHttp : IDisposable
{
    private static readonly HttpRequestOptionsKey<bool> Idempotent = new("hivetrain.idempotent");
    private const int MaxRedirects = 5;

    private readonly HttpClient _client;
    private readonly string? _token;
    private readonly ILogger _logger;

    public HubHttp(HubSettings settings, ILogger logger, HttpMessageHandler? transport = null)
    {
        // A trailing slash keeps a path prefix (a proxy's /hf/) when API paths are resolved against it.
        Endpoint = settings.Endpoint.AbsoluteUri.EndsWith('/') ? settings.Endpoint : new Uri(settings.Endpoint.AbsoluteUri + "/");
        _token = settings.Token;
        _logger = logger;
        var retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = settings.MaxRetries,
                Delay = settings.RetryBaseDelay,
                MaxDelay = TimeSpan.FromMinutes(2),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = true,
                OnRetry = args =>
                {
                    var request = args.Context.GetRequestMessage();
                    _logger.LogWarning("Hub call {Method} {Path} failed ({Outcome}); retry {Attempt} in {Delay}",
                        request?.Method, request?.RequestUri?.AbsolutePath,
                        args.Outcome.Result is { } r ? ((int)r.StatusCode).ToString() : args.Outcome.Exception?.GetType().Name,
                        args.AttemptNumber + 1, args.RetryDelay);
                    return default;
                },
            })
            .AddTimeout(settings.RequestTimeout)
            .Build();
        var once = new ResiliencePipelineBuilder<HttpResponseMessage>().AddTimeout(settings.RequestTimeout).Build();
        var handler = new ResilienceHandler(request =>
            request.Options.TryGetValue(Idempotent, out var idempotent) && idempotent ? retry : once)
        {
            InnerHandler = transport ?? new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            },
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("hivetrain/1.0 (huggingface-hub-compatible)");
    }

    public Uri Endpoint { get; }

    public Uri Api(string relative) => new(Endpoint, relative);

    /// <summary>
    /// Sends one request (no redirects). <paramref name="authorize"/> adds the token, and only where the
    /// target is the Hub itself; <paramref name="idempotent"/> allows retries.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, HttpContent? content,
        bool authorize, bool idempotent, CancellationToken ct, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        if (authorize && _token is not null && IsHubOrigin(uri))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        request.Options.Set(Idempotent, idempotent);
        configure?.Invoke(request);
        try
        {
            return await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e)
        {
            throw new StoreException(StoreErrorReason.Unavailable,
                $"{method} {uri.GetLeftPart(UriPartial.Path)} failed: {e.Message}", e);
        }
        catch (Polly.Timeout.TimeoutRejectedException e)
        {
            throw new StoreException(StoreErrorReason.Unavailable, $"{method} {uri.GetLeftPart(UriPartial.Path)} got no answer in time", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new StoreException(StoreErrorReason.Unavailable, $"{method} {uri.GetLeftPart(UriPartial.Path)} timed out", e);
        }
    }

    /// <summary>
    /// GET or HEAD following redirects: relative ones (renamed repositories) keep the token, a hop to
    /// another origin (the CDN) is sent without it. Returns the final response.
    /// </summary>
    public async Task<HttpResponseMessage> SendFollowingRedirectsAsync(HttpMethod method, Uri uri,
        CancellationToken ct, Action<HttpRequestMessage>? configure = null, bool followAbsolute = true)
    {
        var current = uri;
        for (var hop = 0; ; hop++)
        {
            var response = await SendAsync(method, current, null, authorize: true, idempotent: true, ct, configure);
            if (!IsRedirect(response.StatusCode)) return response;
            var location = response.Headers.Location;
            if (location is null || hop == MaxRedirects) return response;
            if (!location.IsAbsoluteUri) location = new Uri(current, location);
            else if (!followAbsolute) return response;
            response.Dispose();
            current = location;
        }
    }

    public async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(ct)
                ?? throw new StoreException(StoreErrorReason.ProtocolError, $"empty JSON from {Describe(response)}");
        }
        catch (JsonException e)
        {
            throw new StoreException(StoreErrorReason.ProtocolError, $"unreadable JSON from {Describe(response)}: {e.Message}", e);
        }
    }

    /// <summary>Throws the <see cref="StoreException"/> a non-success answer stands for, then disposes it.</summary>
    public async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        using (response)
        {
            var detail = response.Headers.TryGetValues("X-Error-Message", out var messages) ? messages.First() : null;
            if (detail is null && response.Content.Headers.ContentType?.MediaType == "application/json")
            {
                try { detail = (await response.Content.ReadFromJsonAsync<HubWire.ErrorBody>(ct))?.Error; }
                catch (JsonException) { }
            }
            var code = response.Headers.TryGetValues("X-Error-Code", out var codes) ? codes.First() : null;
            var reason = (code, response.StatusCode) switch
            {
                ("RepoNotFound", _) => StoreErrorReason.RepositoryNotFound,
                ("RevisionNotFound", _) => StoreErrorReason.RevisionNotFound,
                ("EntryNotFound", _) => StoreErrorReason.EntryNotFound,
                (_, HttpStatusCode.PreconditionFailed) => StoreErrorReason.Conflict,
                (_, HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) => StoreErrorReason.Unauthorized,
                (_, HttpStatusCode.NotFound) => StoreErrorReason.RepositoryNotFound,
                (_, HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity or HttpStatusCode.Conflict)
                    => StoreErrorReason.InvalidArgument,
                (_, HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout) => StoreErrorReason.Unavailable,
                (_, >= HttpStatusCode.InternalServerError) => StoreErrorReason.Unavailable,
                _ => StoreErrorReason.ProtocolError,
            };
            throw new StoreException(reason,
                $"{Describe(response)} answered {(int)response.StatusCode}{(code is null ? "" : $" {code}")}{(detail is null ? "" : $": {detail}")}");
        }
    }

    public static string Describe(HttpResponseMessage response) =>
        $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.GetLeftPart(UriPartial.Path)}";

    public static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently
        or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private bool IsHubOrigin(Uri uri) =>
        Uri.Compare(uri, Endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    public void Dispose() => _client.Dispose();
}
