using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// The image every node runs (<c>Postgres:Image</c>), a reference as <c>docker pull</c> reads it: <c>[registry/]repository[:tag]</c>. The first path component is the
/// registry when it looks like a host (a dot, a port, or <c>localhost</c>); without a tag, <c>latest</c>.
/// </summary>
internal sealed partial record PostgresImage(string? Registry, string Repository, string Tag)
{
    public static bool TryParse(string? reference, [NotNullWhen(true)] out PostgresImage? parsed)
    {
        parsed = null;
        if (string.IsNullOrWhiteSpace(reference) || !Reference().IsMatch(reference))
        {
            return false;
        }

        var lastSlash = reference.LastIndexOf('/');
        var tagSeparator = reference.LastIndexOf(':');
        var (name, tag) = tagSeparator > lastSlash
            ? (reference[..tagSeparator], reference[(tagSeparator + 1)..])
            : (reference, "latest");
        var firstSlash = name.IndexOf('/', StringComparison.Ordinal);
        var first = firstSlash < 0 ? null : name[..firstSlash];
        parsed = first is not null && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost")
            ? new PostgresImage(first, name[(firstSlash + 1)..], tag)
            : new PostgresImage(null, name, tag);
        return true;
    }

    public override string ToString() => $"{(Registry is null ? "" : Registry + "/")}{Repository}:{Tag}";

    // Host[:port]/ then lower-case path components, then an optional tag; no digest, which Aspire's annotation cannot hold.
    [GeneratedRegex(@"^([A-Za-z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$")]
    private static partial Regex Reference();
}
