using System.Diagnostics;

namespace Replication.Gateway;

/// <summary>
/// The copy of a request that hedging sends to the backup service: same method, path, query, version, headers,
/// options and (replayable) content, addressed to the backup. Made only when a request is hedged, from the primary
/// attempt's request; the happy path copies nothing.
/// </summary>
internal static class HedgedRequest
{
    // The trace context headers belong to each attempt: the HTTP handler writes its own span's into the request it sends.
    private static readonly HashSet<string> AttemptHeaders = new(DistributedContextPropagator.Current.Fields, StringComparer.OrdinalIgnoreCase);

    public static HttpRequestMessage To(Uri service, HttpRequestMessage primary)
    {
        // Service discovery may have resolved the primary's address in place; only its path and query are kept.
        var address = new UriBuilder(primary.RequestUri!) { Scheme = service.Scheme, Host = service.Host, Port = service.Port }.Uri;
        var hedge = new HttpRequestMessage(primary.Method, address)
        {
            Version = primary.Version,
            VersionPolicy = primary.VersionPolicy,
            Content = primary.Content,
        };

        foreach (var (name, values) in primary.Headers.NonValidated)
        {
            if (!AttemptHeaders.Contains(name))
            {
                hedge.Headers.TryAddWithoutValidation(name, values);
            }
        }

        foreach (var (key, value) in primary.Options)
        {
            hedge.Options.TryAdd(key, value);
        }

        return hedge;
    }
}
