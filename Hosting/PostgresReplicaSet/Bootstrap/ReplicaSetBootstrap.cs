using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// What makes a set usable: the replication and application roles, one slot per replica and the databases, created once
/// on the initial primary by one psql script, <see cref="IntegrationScripts.BootstrapSql"/>, whatever the runtime. In the
/// supervisor's containers it is an init file of pg-0's image (so a deployed manifest bootstraps itself too); on
/// processes psql runs it once pg-0 accepts connections; under Patroni it is the post_bootstrap of the node that
/// initialises the cluster. This hands the script what to create.
/// </summary>
internal static class ReplicaSetBootstrap
{
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
