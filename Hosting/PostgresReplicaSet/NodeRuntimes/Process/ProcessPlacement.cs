using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// Members on this machine: every endpoint on loopback, at its allocated port; each member's directory in the run
/// directory (a server's data in its <c>data</c> subdirectory); the scripts copied where the server user can read them.
/// </summary>
internal sealed class ProcessPlacement(RunDirectory runDirectory, PostgresBinaries binaries) : NodePlacement
{
    public const string Loopback = "127.0.0.1";

    public override ReferenceExpression ListenAddress(EndpointReference endpoint) =>
        ReferenceExpression.Create($"{Loopback}:{endpoint.Property(EndpointProperty.TargetPort)}");

    public override ReferenceExpression ReachableAddress(EndpointReference endpoint) => ListenAddress(endpoint);

    public override string DataDirectoryOf(string memberName) => Path.Combine(WorkDirectoryOf(memberName), "data");

    public override string WorkDirectoryOf(string memberName) => runDirectory.MemberDirectoryOf(memberName);

    public override string ScriptPath(string script) => Path.Combine(runDirectory.ScriptsDirectory, script);

    public override string? BinDirectory => binaries.BinDirectory;

    /// <summary>Loopback only: scram-sha-256, and only the replication role may stream.</summary>
    public override IReadOnlyList<string> HostBasedAccessRules { get; } =
    [
        $"host replication {PostgresReplicaSetResource.ReplicationUserName} {Loopback}/32 scram-sha-256",
        $"host all all {Loopback}/32 scram-sha-256",
    ];

    /// <summary>TCP on loopback only: no Unix socket, whose directory would be shared with the machine's own PostgreSQL.</summary>
    public override IReadOnlyDictionary<string, string> ServerParameters { get; } = new Dictionary<string, string>
    {
        ["listen_addresses"] = Loopback,
        ["unix_socket_directories"] = "",
    };
}
