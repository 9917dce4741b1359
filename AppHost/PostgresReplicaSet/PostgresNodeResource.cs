namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// One PostgreSQL server of a replica set. Its name (<c>pg-0</c>, <c>pg-1</c>, …) carries no role,
/// because roles change on failover; the current role is a dashboard property.
/// </summary>
public sealed class PostgresNodeResource(string name, string command, string workingDirectory, PostgresReplicaSetResource replicaSet, int index)
    : ExecutableResource(name, command, workingDirectory), IResourceWithParent<PostgresReplicaSetResource>
{
    public const string EndpointName = "tcp";

    private EndpointReference? endpoint;

    public PostgresReplicaSetResource Parent { get; } = replicaSet;

    /// <summary>The node's position in the set; node 0 starts as the primary.</summary>
    public int Index { get; } = index;

    public EndpointReference Endpoint => endpoint ??= new EndpointReference(this, EndpointName);

    /// <summary>Where this node keeps its data (process runtime) or its volume path (container runtime).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The physical replication slot the node streams from when it is a replica.</summary>
    public string SlotName => Name.Replace('-', '_');

    /// <summary>A superuser connection string to this node alone, for health checks, monitoring and commands.</summary>
    public ReferenceExpression AdminConnectionString => ReferenceExpression.Create(
        $"Host={Endpoint.Property(EndpointProperty.IPV4Host)};Port={Endpoint.Property(EndpointProperty.Port)};Username={PostgresReplicaSetResource.SuperuserName};Password={Parent.SuperuserPassword};Database=postgres");
}
