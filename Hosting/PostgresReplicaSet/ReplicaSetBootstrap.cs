namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// What makes a set usable: the replication and application roles, one slot per replica and the databases, created once
/// on the initial primary by one psql script, <c>Container/initdb/20-replica-set.sql</c>, whatever the runtime. The
/// container runtime runs it as an init file of pg-0's image (so a deployed manifest bootstraps itself too); the process
/// runtime runs it with psql once pg-0 accepts connections; under Patroni it is pg-0's post_bootstrap. This hands the script what to create.
/// </summary>
internal static class ReplicaSetBootstrap
{
    /// <summary>The script, in pg-0's init files.</summary>
    public static string ScriptPath { get; } = Path.Combine(PostgresContainerRuntime.InitFilesDirectory, "20-replica-set.sql");

    /// <summary>
    /// The script's environment: the roles and their passwords, and the databases to create; with
    /// <paramref name="withSlots"/>, one slot per replica too (Patroni makes its own).
    /// </summary>
    public static IResourceBuilder<T> WithBootstrapEnvironment<T>(this IResourceBuilder<T> builder, PostgresReplicaSetResource replicaSet, bool withSlots = true)
        where T : IResourceWithEnvironment =>
        builder
            .WithEnvironment("REPLICATION_USER", PostgresReplicaSetResource.ReplicationUserName)
            .WithEnvironment("REPLICATION_PASSWORD", replicaSet.ReplicationPassword)
            .WithEnvironment("APP_USER", PostgresReplicaSetResource.ApplicationUserName)
            .WithEnvironment("APP_PASSWORD", replicaSet.ApplicationPassword)
            // Late: the databases are added after the set.
            .WithEnvironment(context =>
            {
                context.EnvironmentVariables["DATABASES"] = string.Join(' ', replicaSet.Databases.Select(database => database.DatabaseName));
                context.EnvironmentVariables["REPLICA_SLOTS"] = withSlots
                    ? string.Join(' ', replicaSet.Nodes.Where(node => node != replicaSet.InitialPrimary).Select(node => node.SlotName))
                    : "";
            });
}
