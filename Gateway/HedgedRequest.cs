using System.Diagnostics;

namespace Replication.Gateway;

/// <summary>
/// The copy of a request that goes to the backup service: same method, path, query, version, headers and (replayable)
/// content, addressed to the backup. Made only when a request is hedged; the happy path copies nothing.
/// </summary>
internal static class HedgedRequest
{
    // The trace context headers belong to each attempt: the HTTP handler writes its own span's into the request it sends.
    private static readonly HashSet<string> AttemptHeaders = new(DistributedContextPropagator.Current.Fields, StringComparer.OrdinalIgnoreCase);

    /// <param name="service">The backup's scheme, host and port.</param>
    /// <param name="primary">The request as sent to the primary.</param>
    public static HttpRequestMessage To(string service, HttpRequestMessage primary)
    {
        var hedge = new HttpRequestMessage(primary.Method, new Uri(service + primary.RequestUri!.PathAndQuery))
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

        return hedge;
    }
}
