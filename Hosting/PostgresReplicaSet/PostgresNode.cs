namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// One PostgreSQL server of a replica set, whichever runtime runs it: an executable (process runtime) or a
/// container (container runtime). Everything SQL-driven (bootstrap, monitor, promotion, health) works on this view,
/// so it is written once. Its name (<c>pg-0</c>, <c>pg-1</c>, …) carries no role, because roles change on failover;
/// the current role is a dashboard property.
/// </summary>
public sealed class PostgresNode
{
    /// <summary>The name of the endpoint every node listens on.</summary>
    public const string EndpointName = "tcp";

    internal PostgresNode(IResourceWithEndpoints resource, PostgresReplicaSetResource replicaSet, int index)
    {
        Resource = resource;
        Parent = replicaSet;
        Index = index;
        Endpoint = new EndpointReference(resource, EndpointName);
    }

    /// <summary>The Aspire resource that runs this server (its state, logs and commands are on it).</summary>
    public IResourceWithEndpoints Resource { get; }

    /// <summary>The resource's name: <c>pg-0</c>, <c>pg-1</c>, ….</summary>
    public string Name => Resource.Name;

    /// <summary>The replica set the node belongs to.</summary>
    public PostgresReplicaSetResource Parent { get; }

    /// <summary>The node's position in the set; node 0 starts as the primary.</summary>
    public int Index { get; }

    /// <summary>Where the node accepts connections.</summary>
    public EndpointReference Endpoint { get; }

    /// <summary>The physical replication slot the node streams from when it is a replica.</summary>
    public string SlotName => Name.Replace('-', '_');

    /// <summary>A superuser connection string to this node alone, for health checks, monitoring and commands.</summary>
    public ReferenceExpression AdminConnectionString => ReferenceExpression.Create(
        $"Host={Endpoint.Property(EndpointProperty.IPV4Host)};Port={Endpoint.Property(EndpointProperty.Port)};Username={PostgresReplicaSetResource.SuperuserName};Password={Parent.SuperuserPassword};Database=postgres");

    /// <inheritdoc />
    public override string ToString() => Name;
}
