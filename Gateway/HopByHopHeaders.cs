using Microsoft.Extensions.Primitives;

namespace Replication.Gateway;

/// <summary>Headers that describe one connection, not the message, so a proxy must not forward them (RFC 9110 §7.6.1).</summary>
internal static class HopByHopHeaders
{
    private static readonly HashSet<string> Always = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
    };

    /// <summary>True when the header must not be forwarded, including any header the Connection header names.</summary>
    public static bool IsHopByHop(string header, StringValues connectionHeader)
    {
        if (Always.Contains(header))
        {
            return true;
        }

        foreach (var value in connectionHeader)
        {
            foreach (var token in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (string.Equals(token, header, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
