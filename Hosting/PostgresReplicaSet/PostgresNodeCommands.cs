using Microsoft.Extensions.DependencyInjection;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using Replication.Hosting.PostgresReplicaSet;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The commands on each PostgreSQL node, one set whatever the HA manager: Switchover, Failover and Rejoin are the HA
/// manager's moves; Show lag reads the primary; Kill postmaster, Kill node, Freeze and Resume break the node on purpose,
/// through its runtime. The consensus members (Patroni's etcd) have Kill, Freeze and Resume too. The testing kit runs the
/// same commands, so a fault injected from a test and one clicked in the dashboard are the same code.
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

    /// <summary>Kills everything of the member at once (its HA agent and its server, or its container), as the loss of its machine.</summary>
    public const string KillNode = "kill-node";

    /// <summary>Freezes the member until Resume, as a paused machine (SIGSTOP, or <c>docker pause</c>); a standby's walsenders on the primary freeze with it.</summary>
    public const string Freeze = "freeze";

    /// <summary>Resumes a frozen member.</summary>
    public const string Resume = "resume";

    /// <summary>On a frozen member: what is frozen.</summary>
    public const string FrozenProperty = "faults.frozen";

    private static readonly TimeSpan EffectTimeout = TimeSpan.FromSeconds(30);

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
            UpdateState = context => context.ResourceSnapshot.IsRunning() && manager.CurrentPrimary == node ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        builder.WithCommand(Failover, "Failover", context => manager.FailoverAsync(node, context), new CommandOptions
        {
            Description = "Make this replica the primary now, with or without a running primary (a running one is demoted or fenced first).",
            ConfirmationMessage = $"Fail over to {node.Name}?",
            IconName = "ArrowCircleUp",
            UpdateState = context => context.ResourceSnapshot.IsRunning() && manager.CurrentPrimary != node ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
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

        return builder.WithMemberFaultCommands(replicaSet);
    }

    /// <summary>Kill node, Freeze and Resume: the member's runtime crashes or pauses all of it.</summary>
    internal static IResourceBuilder<T> WithMemberFaultCommands<T>(this IResourceBuilder<T> builder, PostgresReplicaSetResource replicaSet)
        where T : IResource
    {
        var member = builder.Resource;
        builder.WithCommand(KillNode, "Kill node", async context =>
        {
            var killed = await replicaSet.NodeRuntime.KillAsync(member, context.Services, context.CancellationToken).ConfigureAwait(false);
            if (killed is null)
            {
                return CommandResults.Failure($"Nothing of {member.Name} runs.");
            }

            var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
            await notifications.WaitForResourceAsync(member.Name,
                    resourceEvent => resourceEvent.Snapshot.State?.Text is { } state && state != KnownResourceStates.Running && state != KnownResourceStates.Starting,
                    context.CancellationToken)
                .WaitAsync(EffectTimeout, context.CancellationToken).ConfigureAwait(false);
            context.Logger.LogWarning("Fault injected: {Member} killed ({Killed})", member.Name, killed);
            return CommandResults.Success($"Killed {killed}.");
        }, new CommandOptions
        {
            Description = "Kill everything of this member at once, as the loss of its machine would: its HA agent and its server, or its container.",
            ConfirmationMessage = $"Kill all of {member.Name}?",
            IconName = "Delete",
            UpdateState = context => context.ResourceSnapshot.IsRunning() ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        builder.WithCommand(Freeze, "Freeze", async context =>
        {
            var frozen = await FreezeAsync(replicaSet, member, context.Services, context.CancellationToken).ConfigureAwait(false);
            context.Logger.LogWarning("Fault injected: {Member} frozen ({Frozen})", member.Name, frozen.Description);
            return CommandResults.Success($"Frozen: {frozen.Description}. Resume it to let it run again.");
        }, new CommandOptions
        {
            Description = "Freeze this member as a paused machine (SIGSTOP, or docker pause) until Resume; a standby's WAL stream stops with it.",
            ConfirmationMessage = $"Freeze {member.Name}?",
            IconName = "Pause",
            UpdateState = context => context.ResourceSnapshot.IsRunning() && !replicaSet.Frozen.ContainsKey(member.Name)
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });

        builder.WithCommand(Resume, "Resume", async context =>
        {
            if (!replicaSet.Frozen.TryRemove(member.Name, out var frozen))
            {
                return CommandResults.Failure($"{member.Name} is not frozen.");
            }

            await frozen.ResumeAsync().ConfigureAwait(false);
            await context.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(member, snapshot => snapshot with
            {
                Properties = snapshot.Properties.With(FrozenProperty, null),
            }).ConfigureAwait(false);
            return CommandResults.Success($"{member.Name} runs again.");
        }, new CommandOptions
        {
            Description = "Let a frozen member run again.",
            IconName = "Play",
            UpdateState = _ => replicaSet.Frozen.ContainsKey(member.Name) ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        return builder;
    }

    /// <summary>Freezes the member; when it is a standby, the walsenders streaming to it on the primary first.</summary>
    private static async Task<FrozenMember> FreezeAsync(PostgresReplicaSetResource replicaSet, IResource member, IServiceProvider services, CancellationToken cancellationToken)
    {
        var primary = replicaSet.HaManager.CurrentPrimary;
        var isStandby = primary is not null && primary.Resource != member && replicaSet.Nodes.Any(node => node.Resource == member);
        var walsenders = isStandby ? await WalsendersToAsync(primary!, member.Name, cancellationToken).ConfigureAwait(false) : [];
        var frozen = await replicaSet.NodeRuntime.FreezeAsync(member, isStandby ? primary : null, walsenders, services, cancellationToken).ConfigureAwait(false);
        replicaSet.Frozen[member.Name] = frozen;
        await services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(member, snapshot => snapshot with
        {
            Properties = snapshot.Properties.With(FrozenProperty, frozen.Description),
        }).ConfigureAwait(false);
        return frozen;
    }

    /// <summary>The server processes on <paramref name="primary"/> that stream to <paramref name="standby"/>, as the primary numbers them.</summary>
    private static async Task<IReadOnlyList<int>> WalsendersToAsync(PostgresNode primary, string standby, CancellationToken cancellationToken)
    {
        await using var connection = await PostgresConnections.OpenAdminAsync(primary, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_replication WHERE application_name = @standby", connection);
        command.Parameters.AddWithValue("standby", standby);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var walsenders = new List<int>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            walsenders.Add(reader.GetInt32(0));
        }

        return walsenders;
    }
}
