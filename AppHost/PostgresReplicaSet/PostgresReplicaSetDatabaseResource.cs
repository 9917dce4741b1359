namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A database on a replica set. Its connection string names every node, so clients route
/// writes to the current primary and reads to the standbys.
/// </summary>
public sealed class PostgresReplicaSetDatabaseResource(string name, string databaseName, PostgresReplicaSetResource parent)
    : Resource(name), IResourceWithParent<PostgresReplicaSetResource>, IResourceWithConnectionString
{
    public PostgresReplicaSetResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={Parent.HostList};Database={DatabaseName};Username={PostgresReplicaSetResource.ApplicationUserName};Password={Parent.ApplicationPassword}");
}
