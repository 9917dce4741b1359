using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>Adds a PostgreSQL primary with streaming replicas to an Aspire application.</summary>
public static class PostgresReplicaSetBuilderExtensions
{
    /// <summary>
    /// Adds a replica set: node <c>{name}-0</c> starts as the primary and <c>{name}-1</c> … <c>{name}-N</c>
    /// stream from it through one physical slot each, authenticated as a dedicated replication role.
    /// Settings come from the <c>Postgres</c> configuration section unless <paramref name="options"/> is given.
    /// The nodes run as processes or containers (<see cref="PostgresReplicaSetOptions.Runtime"/>) and bootstrap the set
    /// themselves (roles, slots, databases); in run mode the AppHost also watches them, finds the primary among them,
    /// shows their roles and lag in the dashboard, and fails over automatically. The set turns Running once its primary
    /// is found.
    /// </summary>
    /// <param name="builder">The AppHost's builder.</param>
    /// <param name="name">The set's name; the nodes are named after it.</param>
    /// <param name="options">The settings; read from configuration when null.</param>
    /// <returns>The replica set, to add databases to.</returns>
    /// <example>
    /// <code>
    /// var users = builder.AddPostgresReplicaSet("pg").AddDatabase("usersdb");
    /// builder.AddProject&lt;Projects.Api&gt;("api").WithReference(users).WaitFor(users);
    /// </code>
    /// </example>
    public static IResourceBuilder<PostgresReplicaSetResource> AddPostgresReplicaSet(
        this IDistributedApplicationBuilder builder, [ResourceName] string name, PostgresReplicaSetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        options ??= PostgresReplicaSetOptions.FromConfiguration(builder.Configuration);

        var (runtime, runtimeDescription) = PostgresRuntimeSelector.Resolve(builder, options);
        var replicaSet = new PostgresReplicaSetResource(
            name,
            CreatePassword(builder, $"{name}-superuser-password"),
            CreatePassword(builder, $"{name}-replication-password"),
            CreatePassword(builder, $"{name}-app-password"),
            options,
            runtime);
        var replicaSetBuilder = builder.AddResource(replicaSet)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresReplicaSet",
                State = KnownResourceStates.Waiting,
                Properties =
                [
                    new(ReplicaSetProperties.Runtime, runtimeDescription) { IsHighlighted = true },
                    new(ReplicaSetProperties.HaManager, options.HaManager.ToString()) { IsHighlighted = true },
                    new(ReplicaSetProperties.Durability, options.Durability.ToString()) { IsHighlighted = true },
                    new(ReplicaSetProperties.Replicas, options.Replicas) { IsHighlighted = true },
                ],
            })
            .WithIconName("DatabaseMultiple")
            .ExcludeFromManifest();

        if (builder.ExecutionContext.IsRunMode)
        {
            builder.Services.TryAddSingleton<ReplicaSetFailover>();
            builder.Services.TryAddSingleton<ReplicaSetSupervisor>();
            builder.Services.TryAddSingleton<ReplicaSetMonitor>();
            builder.Services.TryAddSingleton<PatroniMonitor>();
            // First of the host's services: it starts them one after another, and Aspire's orchestrator returns only once
            // every resource has started, the services that wait for this set included; the watcher is what opens it.
            if (!builder.Services.Any(service => service.ImplementationType == typeof(ReplicaSetWatcher)))
            {
                builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, ReplicaSetWatcher>());
            }
        }

        var nodes = runtime.AddNodes(builder, replicaSetBuilder);
        foreach (var (node, nodeBuilder) in replicaSet.Nodes.Zip(nodes))
        {
            // Not "{name}_check": AddPostgres registers that one for pg-0 in the container runtime.
            var healthCheckKey = $"{node.Name}_node_check";
            var patroni = runtime as PatroniProcessRuntime;
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                healthCheckKey, _ => patroni is null ? new PostgresNodeHealthCheck(node) : new PatroniNodeHealthCheck(node), HealthStatus.Unhealthy, tags: null));
            nodeBuilder.WithHealthCheck(healthCheckKey);
            _ = patroni is null ? nodeBuilder.WithReplicationCommands(node) : nodeBuilder.WithPatroniCommands(node, patroni);
        }

        if (options.HaManager == PostgresHaManager.Patroni)
        {
            // Under Patroni pg-0 is ready once it leads, i.e. once its post_bootstrap made the roles and databases.
            nodes[0].OnResourceReady((_, readyEvent, _) =>
                readyEvent.Services.GetRequiredService<ResourceNotificationService>().OpenAsync(replicaSet));
        }

        return replicaSetBuilder;
    }

    /// <summary>
    /// Adds a database to the replica set, owned by the application role (not a superuser).
    /// Its connection string names every node, for Npgsql's multi-host routing.
    /// </summary>
    /// <param name="builder">The replica set.</param>
    /// <param name="name">The database resource's name, which services reference.</param>
    /// <param name="databaseName">The database's name in PostgreSQL; <paramref name="name"/> when null.</param>
    /// <returns>The database, to reference from services.</returns>
    public static IResourceBuilder<PostgresReplicaSetDatabaseResource> AddDatabase(
        this IResourceBuilder<PostgresReplicaSetResource> builder, [ResourceName] string name, string? databaseName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        var database = new PostgresReplicaSetDatabaseResource(name, databaseName ?? name, builder.Resource);
        builder.Resource.AddDatabase(database);

        var healthCheckKey = $"{name}_check";
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new PostgresDatabaseHealthCheck(database), HealthStatus.Unhealthy, tags: null));

        return builder.ApplicationBuilder.AddResource(database)
            .WithParentRelationship(builder)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [new(CustomResourceKnownProperties.Source, database.DatabaseName)],
            })
            .WithIconName("Database")
            .WithHealthCheck(healthCheckKey);
    }

    private static ParameterResource CreatePassword(IDistributedApplicationBuilder builder, string name) =>
        // Letters and digits only: the passwords are embedded in libpq conninfo strings and connection strings.
        ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, name, special: false);
}
