using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// Members as containers on the app's container network: each listens on every interface at its endpoint's container
/// port and is reached by its resource name; the scripts are mounted at <see cref="IntegrationScripts.ContainerDirectory"/>;
/// the binaries are on the image's PATH; and everything a member writes is below <see cref="VolumePath"/>, where a data
/// volume is mounted.
/// </summary>
internal sealed class ContainerPlacement : NodePlacement
{
    /// <summary>The image keeps its data below this directory (the official image's volume); a data volume is mounted here.</summary>
    public const string VolumePath = "/var/lib/postgresql";

    public override ReferenceExpression ListenAddress(EndpointReference endpoint) =>
        ReferenceExpression.Create($"0.0.0.0:{endpoint.Property(EndpointProperty.TargetPort)}");

    /// <summary>Resolved in a container's environment, a container's endpoint is its name on the network and its container port.</summary>
    public override ReferenceExpression ReachableAddress(EndpointReference endpoint) =>
        ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.HostAndPort)}");

    public override string DataDirectoryOf(string memberName) => $"{VolumePath}/data";

    public override string WorkDirectoryOf(string memberName) => $"{VolumePath}/replication";

    public override string ScriptPath(string script) => $"{IntegrationScripts.ContainerDirectory}/{script}";

    public override string? BinDirectory => null;

    /// <summary>Anyone on the container network, with scram-sha-256; only the replication role may stream.</summary>
    public override IReadOnlyList<string> HostBasedAccessRules { get; } =
    [
        $"host replication {PostgresReplicaSetResource.ReplicationUserName} all scram-sha-256",
        "host all all all scram-sha-256",
        "local all all scram-sha-256",
    ];

    public override IReadOnlyDictionary<string, string> ServerParameters { get; } = new Dictionary<string, string>();
}
