using System.Globalization;
using Replication.Hosting.PostgresReplicaSet;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The commands on each PostgreSQL node, one set whatever the HA manager: Switchover, Failover and Rejoin are the HA
/// manager's moves; Show lag reads the primary; Kill postmaster, Kill node, Freeze and Resume break the node on purpose,
/// through its runtime (<see cref="ResourceFaultCommands"/>). The consensus members (Patroni's etcd) have Kill, Freeze and
/// Resume too. The testing kit runs the same commands, so a fault injected from a test and one clicked in the dashboard
/// are the same code. Which node is primary, for the commands' state, is what the set last published on the node
/// (<see cref="ReplicaSetProperties.Primary"/>).
/// </summary>
public static class PostgresNodeCommands
{
    /// <summary>On the primary: hands its role to a standby, losing nothing (the supervisor stops and fences it first; Patroni demotes it).</summary>
    public const string Switchover = "switchover";

    /// <summary>On a replica: makes it the primary now, with or without a running primary.</summary>
    public const string Failover = "failover";

    /// <summary>Makes a stopped, fenced or broken node a streaming replica of the primary again (Patroni: start it, or reinitialise it).</summary>
    public const string Rejoin = "rejoin";

    /// <summary>Shows each replica's lag behind the primary.</summary>
    public const string ShowLag = "show-lag";

    /// <summary>SIGKILLs the node's postmaster alone, as a crash of the server; its HA agent lives on.</summary>
    public const string KillPostmaster = "kill-postmaster";

    /// <summary>Kills everything of the node at once (its HA agent and its server, or its container), as the loss of its machine.</summary>
    public const string KillNode = ResourceFaultCommands.Kill;

    /// <summary>Freezes the node until Resume, as a paused machine; a standby's walsenders on the primary freeze with it.</summary>
    public const string Freeze = ResourceFaultCommands.Freeze;

    /// <summary>Resumes a frozen node.</summary>
    public const string Resume = ResourceFaultCommands.Resume;

    private static string? PrimaryOf(UpdateCommandStateContext context) => context.ResourceSnapshot.PropertyValue(ReplicaSetProperties.Primary);

    internal static IResourceBuilder<T> WithReplicaSetCommands<T>(this IResourceBuilder<T> builder, PostgresNode node)
        where T : IResource
    {
        var replicaSet = node.Parent;
        var manager = replicaSet.HaManager;

        builder.WithCommand(Switchover, "Switchover", context => manager.SwitchoverAsync(node, context), new CommandOptions
        {
            Description = "Hand the primary role to the best standby (a synchronous one first) without losing a write.",
            ConfirmationMessage = $"Switch over from {node.Name}?",
            IconName = "ArrowSwap",
            UpdateState = context => context.ResourceSnapshot.IsRunning() && PrimaryOf(context) == node.Name ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        builder.WithCommand(Failover, "Failover", context => manager.FailoverAsync(node, context), new CommandOptions
        {
            Description = "Make this replica the primary now, with or without a running primary (a running one is demoted or fenced first).",
            ConfirmationMessage = $"Fail over to {node.Name}?",
            IconName = "ArrowCircleUp",
            UpdateState = context => context.ResourceSnapshot.IsRunning() && PrimaryOf(context) != node.Name ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        var (rejoinName, rejoinDescription) = manager.RejoinCommand;
        builder.WithCommand(Rejoin, rejoinName, context => manager.RejoinAsync(node, context), new CommandOptions
        {
            Description = rejoinDescription,
            ConfirmationMessage = $"{rejoinName} {node.Name}? It becomes a replica of the current primary again.",
            IconName = "ArrowSync",
            UpdateState = context => manager.CanRejoin(node, context.ResourceSnapshot) ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        builder.WithCommand(ShowLag, "Show lag", async context =>
        {
            if (manager.CurrentPrimary is not { } primary)
            {
                return CommandResults.Failure("No node is the primary now.");
            }

            await using var connection = await PostgresConnections.OpenAdminAsync(primary, context.CancellationToken).ConfigureAwait(false);
            var lines = new List<string> { $"primary {primary.Name}" };
            foreach (var standby in await StandbyObservation.ReadAsync(connection, context.CancellationToken).ConfigureAwait(false))
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

        builder.WithCommand(KillPostmaster, "Kill postmaster", async context =>
        {
            var killed = await replicaSet.NodeRuntime.KillPostmasterAsync(node, context.Services, context.CancellationToken).ConfigureAwait(false);
            return killed is null ? CommandResults.Failure($"No server of {node.Name} runs.") : CommandResults.Success($"SIGKILL to {killed}.");
        }, new CommandOptions
        {
            Description = "SIGKILL the PostgreSQL server, as a crash would; the node's HA agent, if it has one, lives on.",
            ConfirmationMessage = $"Kill {node.Name}'s postmaster with SIGKILL?",
            IconName = "Flash",
            UpdateState = context => context.ResourceSnapshot.IsRunning() ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        return builder.WithFaultCommands(new ReplicaSetMemberFaults(replicaSet), "Kill node",
            "Kill everything of this node at once, as the loss of its machine would: its HA agent and its server, or its container.");
    }
}
