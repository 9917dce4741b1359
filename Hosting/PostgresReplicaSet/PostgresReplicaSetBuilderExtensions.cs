using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Replication.Hosting.PostgresReplicaSet;

namespace Aspire.Hosting;

/// <summary>Adds a PostgreSQL primary with streaming replicas to an Aspire application.</summary>
public static class PostgresReplicaSetBuilderExtensions
{
    /// <summary>
    /// Adds a replica set: node <c>{name}-0</c> starts as the primary and <c>{name}-1</c> … <c>{name}-N</c> stream from
    /// it through one physical slot each, authenticated as a dedicated replication role. <paramref name="configure"/>
    /// chooses where the nodes run (processes, containers, or containers when an engine answers) and what fails them
    /// over (the dev supervisor, or Patroni with etcd), each once. The nodes bootstrap the set themselves (roles, slots,
    /// databases); in run mode the AppHost also watches them, shows their roles and lag in the dashboard, and offers
    /// the HA manager's commands. A setting that is out of range, or does not apply, stops the AppHost at start with
    /// one line naming it.
    /// </summary>
    /// <param name="builder">The AppHost's builder.</param>
    /// <param name="name">The set's name; the nodes are named after it.</param>
    /// <param name="configure">The set's settings; the defaults are two replicas, Async, containers when an engine answers, the supervisor.</param>
    /// <returns>The replica set, to add databases to.</returns>
    /// <example>
    /// <code>
    /// var users = builder.AddPostgresReplicaSet("pg", set => set.WithDurability(PostgresDurability.Sync).WithPatroni())
    ///     .AddDatabase("usersdb");
    /// builder.AddProject&lt;Projects.Api&gt;("api").WithReference(users).WaitFor(users);
    /// </code>
    /// </example>
    public static IResourceBuilder<PostgresReplicaSetResource> AddPostgresReplicaSet(
        this IDistributedApplicationBuilder builder, [ResourceName] string name, Action<PostgresReplicaSetSettings>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        var settings = Configure(builder, configure);
        if (IntegrationScripts.Missing() is { } missing)
        {
            StartupMessages.FailAtStart(builder, StartupMessages.ReplicaSetCategory, missing);
        }

        var runtime = NodeRuntimeChoice.Resolve(builder, settings);
        IPostgresHaManager haManager = settings.Patroni is { } patroni ? new PatroniHaManager(patroni) : new SupervisorHaManager(settings.Supervisor!);
        var replicaSet = new PostgresReplicaSetResource(
            name,
            CreatePassword(builder, $"{name}-superuser-password"),
            CreatePassword(builder, $"{name}-replication-password"),
            CreatePassword(builder, $"{name}-app-password"),
            settings,
            runtime,
            haManager);
        var replicaSetBuilder = builder.AddResource(replicaSet)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresReplicaSet",
                State = KnownResourceStates.Waiting,
                Properties =
                [
                    new(ReplicaSetProperties.Runtime, runtime.Description) { IsHighlighted = true },
                    new(ReplicaSetProperties.HaManager, haManager.Description) { IsHighlighted = true },
                    new(ReplicaSetProperties.Durability, settings.Durability.ToString()) { IsHighlighted = true },
                    new(ReplicaSetProperties.Replicas, settings.Replicas) { IsHighlighted = true },
                ],
            })
            .WithIconName("DatabaseMultiple")
            .ExcludeFromManifest();

        if (builder.ExecutionContext.IsRunMode)
        {
            // First of the host's services: it starts them one after another, and Aspire's orchestrator returns only once
            // every resource has started, the services that wait for this set included; the watch is what opens it.
            if (!builder.Services.Any(service => service.ImplementationType == typeof(ReplicaSetWatcher)))
            {
                builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, ReplicaSetWatcher>());
            }

            ReleaseAtStop(builder, replicaSet);
        }

        var nodes = haManager.AddNodes(builder, replicaSetBuilder, runtime);
        foreach (var (node, nodeBuilder) in replicaSet.Nodes.Zip(nodes))
        {
            // Not "{name}_check": AddPostgres registers that one for pg-0 in the container runtime.
            var healthCheckKey = $"{node.Name}_node_check";
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheckKey, _ => haManager.HealthCheckOf(node), HealthStatus.Unhealthy, tags: null));
            nodeBuilder.WithHealthCheck(healthCheckKey).WithReplicaSetCommands(node);
        }

        var memberFaults = new ReplicaSetMemberFaults(replicaSet);
        foreach (var member in replicaSet.ConsensusMembers)
        {
            builder.CreateResourceBuilder(member).WithFaultCommands(memberFaults, "Kill", "Kill this member's process (or its container), as a crash would.");
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

    /// <summary>The settings; one that is out of range or does not apply stops the AppHost at start with its one line, and the defaults stand in meanwhile.</summary>
    private static PostgresReplicaSetSettings Configure(IDistributedApplicationBuilder builder, Action<PostgresReplicaSetSettings>? configure)
    {
        var settings = new PostgresReplicaSetSettings();
        try
        {
            configure?.Invoke(settings);
            return settings;
        }
        catch (ArgumentException exception)
        {
            StartupMessages.FailAtStart(builder, StartupMessages.ReplicaSetCategory, exception.Message);
            return new PostgresReplicaSetSettings();
        }
    }

    /// <summary>The HA manager lets go of what it holds once the AppHost has stopped.</summary>
    private static void ReleaseAtStop(IDistributedApplicationBuilder builder, PostgresReplicaSetResource replicaSet) =>
        builder.Eventing.Subscribe<BeforeStartEvent>((startEvent, _) =>
        {
            startEvent.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(replicaSet.HaManager.Dispose);
            return Task.CompletedTask;
        });

    private static ParameterResource CreatePassword(IDistributedApplicationBuilder builder, string name) =>
        // Letters and digits only: the passwords are embedded in libpq conninfo strings and connection strings.
        ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, name, special: false);
}
