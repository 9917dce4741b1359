using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// Where a runtime puts what a program's configuration names: the address it listens on and the one others reach it
/// at, its data directory, the scripts, the server binaries, and who may connect to its server.
/// </summary>
internal abstract class NodePlacement
{
    /// <summary><c>host:port</c> the program binds for <paramref name="endpoint"/>.</summary>
    public abstract ReferenceExpression ListenAddress(EndpointReference endpoint);

    /// <summary><c>host:port</c> at which the set's other members reach <paramref name="endpoint"/>.</summary>
    public abstract ReferenceExpression ReachableAddress(EndpointReference endpoint);

    /// <summary>The data directory of the server a member runs.</summary>
    public abstract string DataDirectoryOf(string memberName);

    /// <summary>Where a program keeps what it writes besides a server's data (its configuration, an etcd member's data).</summary>
    public abstract string WorkDirectoryOf(string memberName);

    /// <summary>Where one of the integration's scripts is, as the member sees it.</summary>
    public abstract string ScriptPath(string script);

    /// <summary>The PostgreSQL binaries' directory; null when they are on the member's PATH.</summary>
    public abstract string? BinDirectory { get; }

    /// <summary>The <c>pg_hba.conf</c> rules: who may connect, and stream as the replication role, with scram-sha-256.</summary>
    public abstract IReadOnlyList<string> HostBasedAccessRules { get; }

    /// <summary>Server settings the runtime needs beyond the set's (where it listens for local connections).</summary>
    public abstract IReadOnlyDictionary<string, string> ServerParameters { get; }
}
