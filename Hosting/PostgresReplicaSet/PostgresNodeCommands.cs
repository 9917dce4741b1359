using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Dashboard commands on each PostgreSQL node: Promote, Rejoin, Show lag and Kill postmaster. The testing kit runs
/// the same commands, so a fault injected from a test and one clicked in the dashboard are the same code.
/// </summary>
public static class PostgresNodeCommands
{
    /// <summary>Makes a replica the primary (a switchover when the primary runs, a failover when it does not).</summary>
    public const string Promote = "promote";

    /// <summary>Makes a fenced, stopped or broken node a replica of the current primary again.</summary>
    public const string Rejoin = "rejoin";

    /// <summary>Shows each replica's lag behind the current primary.</summary>
    public const string ShowLag = "show-lag";

    /// <summary>SIGKILLs the node's postmaster, as a crash would.</summary>
    public const string KillPostmaster = "kill-postmaster";

    /// <summary>Under Patroni, on the primary: hands the leader lock to a standby and demotes this node cleanly.</summary>
    public const string Switchover = "switchover";

    /// <summary>Under Patroni, on a replica: makes it the leader now, with or without a healthy primary.</summary>
    public const string Failover = "failover";

    /// <summary>Under Patroni: restarts the node's PostgreSQL in place.</summary>
    public const string Restart = "restart-postgres";

    /// <summary>Under Patroni, on a replica: deletes its data and clones it again from the leader.</summary>
    public const string Reinit = "reinit";

    private static readonly TimeSpan RejoinTimeout = TimeSpan.FromMinutes(2);

    internal static IResourceBuilder<T> WithReplicationCommands<T>(this IResourceBuilder<T> builder, PostgresNode node)
        where T : IResource
    {
        var replicaSet = node.Parent;

        builder.WithCommand(Promote, "Promote", async context =>
        {
            await context.Services.GetRequiredService<ReplicaSetFailover>()
                .PromoteAsync(replicaSet, node, "promoted by command", context.CancellationToken);
            return CommandResults.Success($"{node.Name} is the primary.");
        }, new CommandOptions
        {
            Description = "Make this replica the primary. A running primary is stopped and fenced first (a switchover).",
            ConfirmationMessage = $"Promote {node.Name} to primary? The current primary will be stopped and fenced.",
            IconName = "ArrowCircleUp",
            UpdateState = context => context.ResourceSnapshot.IsRunning() && CurrentPrimary(context.Services, replicaSet) != node
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });

        builder.WithCommand(Rejoin, "Rejoin", async context =>
        {
            var services = context.Services;
            var commands = services.GetRequiredService<ResourceCommandService>();
            var log = services.GetRequiredService<ResourceLoggerService>().GetLogger(node.Resource);
            var failover = services.GetRequiredService<ReplicaSetFailover>();
            if (failover.CurrentPrimaryOf(replicaSet) is not { } primary)
            {
                return CommandResults.Failure("No node is the primary; promote one first.");
            }

            await failover.StopNodeAsync(node, context.CancellationToken);
            await replicaSet.Runtime.RejoinAsync(node, primary, log, context.CancellationToken);
            var started = await commands.ExecuteCommandAsync(node.Name, KnownResourceCommands.StartCommand, context.CancellationToken);
            if (!started.Success)
            {
                return CommandResults.Failure($"{node.Name} was rejoined but did not start: {started.Message}");
            }

            var notifications = services.GetRequiredService<ResourceNotificationService>();
            await notifications.PublishUpdateAsync(node.Resource, snapshot => snapshot with
            {
                Properties = snapshot.Properties.With(ReplicaSetProperties.Fenced, null),
            });
            // Healthy means streaming from the primary: only then has the node really rejoined. A container is made
            // anew by Start, and its old container's exit may be reported after it: that is not this start failing.
            try
            {
                await notifications.WaitForResourceHealthyAsync(node.Name, WaitBehavior.WaitOnResourceUnavailable, context.CancellationToken)
                    .WaitAsync(RejoinTimeout, context.CancellationToken);
            }
            catch (TimeoutException)
            {
                var health = notifications.TryGetCurrentState(node.Name, out var state)
                    ? string.Join("; ", state.Snapshot.HealthReports.Select(report => $"{report.Name}: {report.Status} {report.Description}"))
                    : "no state";
                return CommandResults.Failure($"{node.Name} was rejoined but did not stream from {primary.Name} within {RejoinTimeout.TotalMinutes:F0} min ({health}).");
            }

            return CommandResults.Success($"{node.Name} follows {primary.Name}.");
        }, new CommandOptions
        {
            Description = "Make this node a replica of the current primary again: pg_rewind, or a fresh base backup.",
            ConfirmationMessage = $"Rejoin {node.Name}? It is stopped, rewound to the current primary's history, and started as a replica.",
            IconName = "ArrowSync",
            // A healthy, streaming replica has nothing to rejoin; a fenced, stopped or broken former primary or replica has.
            UpdateState = context => CurrentPrimary(context.Services, replicaSet) is { } primary && primary != node
                                     && (IsFenced(context) || !context.ResourceSnapshot.IsRunning() || context.ResourceSnapshot.HealthStatus != HealthStatus.Healthy)
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });

        builder.WithCommand(ShowLag, "Show lag", async context =>
        {
            if (CurrentPrimary(context.Services, replicaSet) is not { } primary)
            {
                return CommandResults.Failure("No node is the primary yet.");
            }

            await using var connection = await PostgresConnections.OpenAdminAsync(primary, context.CancellationToken);
            var lines = new List<string> { $"primary {primary.Name}" };
            foreach (var standby in await StandbyObservation.ReadAsync(connection, context.CancellationToken))
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{standby.Name}: {standby.State}, {standby.SyncState}, {standby.LagBytes ?? 0} bytes, {standby.LagSeconds ?? 0:0.###} s behind"));
            }

            return CommandResults.Success(string.Join("; ", lines));
        }, new CommandOptions
        {
            Description = "Each replica's replay lag behind the current primary, from pg_stat_replication.",
            IconName = "Timer",
            UpdateState = context => context.ResourceSnapshot.IsRunning() ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        return builder.WithKillPostmasterCommand(node);
    }

    internal static IResourceBuilder<T> WithKillPostmasterCommand<T>(this IResourceBuilder<T> builder, PostgresNode node)
        where T : IResource =>
        builder.WithCommand(KillPostmaster, "Kill postmaster", async context =>
        {
            var killed = await node.Parent.Runtime.KillAsync(
                node, context.Services.GetRequiredService<ResourceNotificationService>(), context.CancellationToken);
            return killed is null
                ? CommandResults.Failure($"{node.Name} has no running server.")
                : CommandResults.Success($"Sent SIGKILL to {node.Name}'s postmaster ({killed}).");
        }, new CommandOptions
        {
            Description = "SIGKILL the server, as a crash would. With automatic failover on, a replica is promoted.",
            ConfirmationMessage = $"Kill {node.Name}'s postmaster with SIGKILL?",
            IconName = "Flash",
            UpdateState = context => context.ResourceSnapshot.IsRunning() ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

    private static PostgresNode? CurrentPrimary(IServiceProvider services, PostgresReplicaSetResource replicaSet) =>
        services.GetRequiredService<ReplicaSetFailover>().CurrentPrimaryOf(replicaSet);

    private static bool IsFenced(UpdateCommandStateContext context) =>
        context.ResourceSnapshot.Properties.Any(property => property.Name == ReplicaSetProperties.Fenced && property.Value is not null);
}
