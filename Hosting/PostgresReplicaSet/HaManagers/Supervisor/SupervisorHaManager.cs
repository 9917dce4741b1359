using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// The dev supervisor: the HA manager that runs inside the AppHost. Its nodes run PostgreSQL itself; it finds the
/// primary among them, promotes the most advanced replica when the primary has been unreachable for
/// <see cref="PostgresSupervisorSettings.FailoverAfter"/>, repoints the other replicas and fences the old primary, and
/// fences any other node that takes writes beside the primary. It
/// fails nothing over when the AppHost is not running: in production that is Patroni's job.
/// </summary>
internal sealed class SupervisorHaManager(PostgresSupervisorSettings settings) : IPostgresHaManager
{
    private static readonly TimeSpan RejoinTimeout = TimeSpan.FromMinutes(2);

    private readonly SupervisorFailover failover = new();
    private readonly StrayReplicas strayReplicas = new();
    private readonly StandbySnapshots standbySnapshots = new();

    /// <summary>The supervisor's moves, and its record of the primary.</summary>
    internal SupervisorFailover Failover => failover;
    private SupervisorLoop Loop => field ??= new SupervisorLoop(failover, settings.FailoverAfter);

    public string Description => settings.FailoverAfter > TimeSpan.Zero
        ? string.Create(CultureInfo.InvariantCulture, $"Supervisor (fails over after {settings.FailoverAfter.TotalSeconds:0.###} s)")
        : "Supervisor (automatic failover off)";

    public TimeSpan FailoverDelay => settings.FailoverAfter;

    public PostgresNode? CurrentPrimary => failover.CurrentPrimary;

    public (string DisplayName, string Description) RejoinCommand =>
        ("Rejoin", "Make this node a replica of the current primary again: pg_rewind, or a fresh base backup.");

    public IReadOnlyList<IResourceBuilder<IResourceWithEndpoints>> AddNodes(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet, IPostgresNodeRuntime runtime) =>
        runtime.AddServerNodes(builder, replicaSet);

    public IHealthCheck HealthCheckOf(PostgresNode node) => new PostgresNodeHealthCheck(node);

    public void Dispose() => failover.Dispose();

    /// <summary>
    /// Every tick it asks the primary whether it still accepts writes; once a second, or while no primary is known (the
    /// set is starting), it asks every running node, publishes what they say, and finds or elects the primary.
    /// </summary>
    public async Task WatchAsync(ReplicaSetContext context, bool publish, CancellationToken cancellationToken)
    {
        var replicaSet = context.ReplicaSet;
        var primary = failover.CurrentPrimary;
        var observations = await context.ObserveAsync(publish || primary is null ? replicaSet.Nodes : [primary], cancellationToken).ConfigureAwait(false);
        if (publish)
        {
            await ReplicaSetDashboard.PublishAsync(context, primary, observations).ConfigureAwait(false);
            standbySnapshots.Refresh(context, primary, observations, cancellationToken);
        }

        var supervised = settings.FailoverAfter > TimeSpan.Zero;
        if (primary is null)
        {
            if (!await failover.DiscoverAsync(context, observations, cancellationToken).ConfigureAwait(false) && supervised)
            {
                await Loop.ElectAsync(context, observations, cancellationToken).ConfigureAwait(false);
            }
        }
        else if (supervised && replicaSet.IsOpen)
        {
            await Loop.SuperviseAsync(context, primary, observations.GetValueOrDefault(primary)?.AcceptsWrites == true, cancellationToken).ConfigureAwait(false);
            if (publish && failover.CurrentPrimary == primary)
            {
                await failover.FenceOtherWritersAsync(context, primary, observations, cancellationToken).ConfigureAwait(false);
                await strayReplicas.RepointAsync(context, primary, observations, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Promotes the standby that is furthest along (a synchronous one first): the primary is stopped and fenced first, so nothing is lost.</summary>
    public async Task<ExecuteCommandResult> SwitchoverAsync(PostgresNode primary, ExecuteCommandContext command)
    {
        var context = new ReplicaSetContext(primary.Parent, command.Services);
        var observed = (await context.ObserveAsync([primary], command.CancellationToken).ConfigureAwait(false)).GetValueOrDefault(primary);
        var standby = observed?.Standbys
            .Where(candidate => candidate.State == "streaming")
            .OrderByDescending(candidate => candidate.SyncState is "sync" or "quorum")
            .ThenBy(candidate => candidate.LagBytes ?? long.MaxValue)
            .Select(candidate => primary.Parent.Nodes.FirstOrDefault(node => node.Name == candidate.Name))
            .FirstOrDefault(node => node is not null);
        if (standby is null)
        {
            return CommandResults.Failure($"No replica streams from {primary.Name}: nothing to switch over to.");
        }

        // The standby picked here may end up behind another: the primary is stopped only once it is fenced, and its last
        // WAL reaches whichever standbys are connected then (seen in CI: the chosen one 888 bytes behind the two others,
        // which then could not follow it, so no commit was confirmed). The furthest is picked again after the fence.
        var replaced = await failover.ReplaceAsync(context, primary, standby, $"switchover from {primary.Name}",
            token => SupervisorLoop.FurthestReplicaAsync(context, primary, token),
            command.CancellationToken).ConfigureAwait(false);
        return replaced
            ? CommandResults.Success($"{failover.CurrentPrimary?.Name} is the primary; {primary.Name} is fenced until it is rejoined.")
            : CommandResults.Failure($"{primary.Name} is no longer the primary: another promotion ran meanwhile.");
    }

    public async Task<ExecuteCommandResult> FailoverAsync(PostgresNode candidate, ExecuteCommandContext command)
    {
        await failover.PromoteAsync(new ReplicaSetContext(candidate.Parent, command.Services), candidate, "failover by command", command.CancellationToken)
            .ConfigureAwait(false);
        return CommandResults.Success($"{candidate.Name} is the primary.");
    }

    public async Task<ExecuteCommandResult> RejoinAsync(PostgresNode node, ExecuteCommandContext command)
    {
        var context = new ReplicaSetContext(node.Parent, command.Services);
        var cancellationToken = command.CancellationToken;
        if (failover.CurrentPrimary is not { } primary)
        {
            return CommandResults.Failure("No node is the primary; fail over to one first.");
        }

        await SupervisorFailover.StopNodeAsync(context, node, cancellationToken).ConfigureAwait(false);
        await node.Parent.NodeRuntime.RejoinAsync(node, primary, context.LogOf(node.Resource), cancellationToken).ConfigureAwait(false);
        var started = await context.Commands.ExecuteCommandAsync(node.Name, KnownResourceCommands.StartCommand, cancellationToken).ConfigureAwait(false);
        if (!started.Success)
        {
            return CommandResults.Failure($"{node.Name} was rejoined but did not start: {started.Message}");
        }

        await context.Notifications.PublishUpdateAsync(node.Resource, snapshot => snapshot with
        {
            Properties = snapshot.Properties.WithProperty(ReplicaSetProperties.Fenced, null),
        }).ConfigureAwait(false);
        // Healthy means streaming from the primary: only then has the node really rejoined. A container is made anew by
        // Start, and its old container's exit may be reported after it: that is not this start failing.
        try
        {
            await context.Notifications.WaitForResourceHealthyAsync(node.Name, WaitBehavior.WaitOnResourceUnavailable, cancellationToken)
                .WaitAsync(RejoinTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var health = context.Notifications.TryGetCurrentState(node.Name, out var state)
                ? $"state {state.Snapshot.State?.Text ?? "unknown"}, exit code {state.Snapshot.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}; "
                  + string.Join("; ", state.Snapshot.HealthReports.Select(report => $"{report.Name}: {report.Status?.ToString() ?? "not checked"} {report.Description}"))
                : "no state";
            return CommandResults.Failure($"{node.Name} was rejoined but did not stream from {primary.Name} within {RejoinTimeout.TotalMinutes:F0} min ({health}).");
        }

        return CommandResults.Success($"{node.Name} follows {primary.Name}.");
    }

    /// <summary>A healthy, streaming replica has nothing to rejoin; a fenced, stopped or broken former primary or replica has.</summary>
    public bool CanRejoin(PostgresNode node, CustomResourceSnapshot snapshot) =>
        snapshot.PropertyValue(ReplicaSetProperties.Primary) is { } primary && primary != node.Name
        && (snapshot.PropertyValue(ReplicaSetProperties.Fenced) is not null || !snapshot.IsRunning() || snapshot.HealthStatus != HealthStatus.Healthy);
}
