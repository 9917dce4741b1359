using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Replication.Tests.Dashboard;

/// <summary>
/// The dashboard's commands, checked on the app model (nothing is started): each exists on the resources it belongs
/// to, says what it does, asks before it destroys, and disables itself where it cannot apply.
/// </summary>
public sealed class DashboardCommandTests(AppModelFixture model, PatroniAppModelFixture patroniModel)
    : IClassFixture<AppModelFixture>, IClassFixture<PatroniAppModelFixture>
{
    private static readonly string[] ServiceCommands =
        [ServiceFaultCommands.Hang, ServiceFaultCommands.FailHalfOfRequests, ServiceFaultCommands.ClearFaults];

    private static readonly string[] NodeCommands =
        [PostgresNodeCommands.Switchover, PostgresNodeCommands.Failover, PostgresNodeCommands.Rejoin, PostgresNodeCommands.ShowLag,
         PostgresNodeCommands.KillPostmaster];

    [Theory]
    [InlineData("primaryservice", "Kill process", "Freeze", "Resume", "Hang for 10 s", "Fail 50% of requests", "Clear faults")]
    [InlineData("backupservice", "Kill process", "Freeze", "Resume", "Hang for 10 s", "Fail 50% of requests", "Clear faults")]
    [InlineData("pg-0", "Switchover", "Failover", "Rejoin", "Show lag", "Kill postmaster", "Kill node", "Freeze", "Resume")]
    [InlineData("pg-1", "Switchover", "Failover", "Rejoin", "Show lag", "Kill postmaster", "Kill node", "Freeze", "Resume")]
    [InlineData("pg-2", "Switchover", "Failover", "Rejoin", "Show lag", "Kill postmaster", "Kill node", "Freeze", "Resume")]
    public void EveryCommandExistsWithANameAnIconAndADescription(string resourceName, params string[] displayNames)
    {
        var commands = CommandsOf(resourceName);
        foreach (var displayName in displayNames)
        {
            var command = Assert.Single(commands, command => command.DisplayName == displayName);
            Assert.False(string.IsNullOrWhiteSpace(command.IconName), $"{displayName} on {resourceName} has no icon.");
            Assert.False(string.IsNullOrWhiteSpace(command.DisplayDescription), $"{displayName} on {resourceName} has no description.");
        }
    }

    [Theory]
    [InlineData("primaryservice", ResourceFaultCommands.Kill)]
    [InlineData("primaryservice", ServiceFaultCommands.Hang)]
    [InlineData("pg-0", PostgresNodeCommands.Switchover)]
    [InlineData("pg-1", PostgresNodeCommands.Failover)]
    [InlineData("pg-1", PostgresNodeCommands.Rejoin)]
    [InlineData("pg-0", PostgresNodeCommands.KillPostmaster)]
    [InlineData("pg-0", PostgresNodeCommands.KillNode)]
    [InlineData("pg-1", PostgresNodeCommands.Freeze)]
    public void DestructiveCommandsAskForConfirmation(string resourceName, string commandName) =>
        Assert.False(string.IsNullOrWhiteSpace(Command(resourceName, commandName).ConfirmationMessage),
            $"{commandName} on {resourceName} runs without confirmation.");

    [Fact]
    public void FaultCommandsBelongToTheServicesOnly()
    {
        foreach (var resourceName in new[] { "gateway", "pg-0", "usersdb" })
        {
            Assert.DoesNotContain(CommandsOf(resourceName), command => ServiceCommands.Contains(command.Name));
        }

        foreach (var resourceName in new[] { "gateway", "primaryservice", "backupservice", "usersdb" })
        {
            Assert.DoesNotContain(CommandsOf(resourceName), command => NodeCommands.Contains(command.Name));
        }
    }

    [Theory]
    [InlineData(ResourceFaultCommands.Kill)]
    [InlineData(ServiceFaultCommands.Hang)]
    [InlineData(ServiceFaultCommands.FailHalfOfRequests)]
    [InlineData(ServiceFaultCommands.ClearFaults)]
    public void ServiceCommandsAreDisabledWhenTheServiceIsNotRunning(string commandName)
    {
        foreach (var state in new[] { KnownResourceStates.Exited, KnownResourceStates.Finished, KnownResourceStates.Starting, "Unknown" })
        {
            Assert.Equal(ResourceCommandState.Disabled, StateOf("primaryservice", commandName, Snapshot(state)));
        }
    }

    [Fact]
    public void ServiceCommandsFollowTheFaultsInForce()
    {
        var healthy = Snapshot(KnownResourceStates.Running);
        var hung = Snapshot(KnownResourceStates.Running, (ResourceFaultCommands.FrozenProperty, "SIGSTOP since 23:59:59"));
        var failing = Snapshot(KnownResourceStates.Running, (RequestFaultInjector.RequestFaultsProperty, "50 % of requests answer 500"));

        Assert.Equal(ResourceCommandState.Enabled, StateOf("backupservice", ResourceFaultCommands.Kill, healthy));
        Assert.Equal(ResourceCommandState.Enabled, StateOf("backupservice", ServiceFaultCommands.Hang, healthy));
        Assert.Equal(ResourceCommandState.Enabled, StateOf("backupservice", ServiceFaultCommands.FailHalfOfRequests, healthy));
        Assert.Equal(ResourceCommandState.Disabled, StateOf("backupservice", ServiceFaultCommands.ClearFaults, healthy));

        // A frozen process cannot be frozen again, nor reached by the fault hook; it can be killed or cleared.
        Assert.Equal(ResourceCommandState.Disabled, StateOf("backupservice", ServiceFaultCommands.Hang, hung));
        Assert.Equal(ResourceCommandState.Disabled, StateOf("backupservice", ServiceFaultCommands.FailHalfOfRequests, hung));
        Assert.Equal(ResourceCommandState.Enabled, StateOf("backupservice", ResourceFaultCommands.Kill, hung));
        Assert.Equal(ResourceCommandState.Enabled, StateOf("backupservice", ServiceFaultCommands.ClearFaults, hung));

        Assert.Equal(ResourceCommandState.Enabled, StateOf("backupservice", ServiceFaultCommands.ClearFaults, failing));
        Assert.Equal(ResourceCommandState.Enabled, StateOf("backupservice", ServiceFaultCommands.Hang, failing));
    }

    [Fact]
    public void FailoverIsDisabledOnThePrimaryAndOnAStoppedReplica()
    {
        Assert.Equal(ResourceCommandState.Disabled, StateOf("pg-0", PostgresNodeCommands.Failover, Snapshot(KnownResourceStates.Running)));
        Assert.Equal(ResourceCommandState.Enabled, StateOf("pg-1", PostgresNodeCommands.Failover, Snapshot(KnownResourceStates.Running)));
        Assert.Equal(ResourceCommandState.Disabled, StateOf("pg-1", PostgresNodeCommands.Failover, Snapshot(KnownResourceStates.Exited)));
    }

    [Fact]
    public void SwitchoverIsEnabledOnTheRunningPrimaryOnly()
    {
        Assert.Equal(ResourceCommandState.Enabled, StateOf("pg-0", PostgresNodeCommands.Switchover, Snapshot(KnownResourceStates.Running)));
        Assert.Equal(ResourceCommandState.Disabled, StateOf("pg-0", PostgresNodeCommands.Switchover, Snapshot(KnownResourceStates.Exited)));
        Assert.Equal(ResourceCommandState.Disabled, StateOf("pg-1", PostgresNodeCommands.Switchover, Snapshot(KnownResourceStates.Running)));
    }

    [Fact]
    public void FreezeAndResumeFollowWhetherTheNodeIsFrozen()
    {
        Assert.Equal(ResourceCommandState.Enabled, StateOf("pg-1", PostgresNodeCommands.Freeze, Snapshot(KnownResourceStates.Running)));
        Assert.Equal(ResourceCommandState.Disabled, StateOf("pg-1", PostgresNodeCommands.Freeze, Snapshot(KnownResourceStates.Exited)));
        Assert.Equal(ResourceCommandState.Disabled, StateOf("pg-1", PostgresNodeCommands.Resume, Snapshot(KnownResourceStates.Running)));
    }

    [Fact]
    public void RejoinIsDisabledOnThePrimaryAndOnAHealthyStreamingReplica()
    {
        var streaming = WithHealth(Snapshot(KnownResourceStates.Running), HealthStatus.Healthy);
        Assert.Equal(ResourceCommandState.Disabled, StateOf("pg-0", PostgresNodeCommands.Rejoin, Snapshot(KnownResourceStates.Exited)));
        Assert.Equal(ResourceCommandState.Disabled, StateOf("pg-1", PostgresNodeCommands.Rejoin, streaming));

        Assert.Equal(ResourceCommandState.Enabled, StateOf("pg-1", PostgresNodeCommands.Rejoin, WithHealth(Snapshot(KnownResourceStates.Running), HealthStatus.Unhealthy)));
        Assert.Equal(ResourceCommandState.Enabled, StateOf("pg-1", PostgresNodeCommands.Rejoin, Snapshot(KnownResourceStates.Exited)));
        Assert.Equal(ResourceCommandState.Enabled, StateOf("pg-2", PostgresNodeCommands.Rejoin,
            WithHealth(Snapshot(KnownResourceStates.Running, (ReplicaSetProperties.Fenced, "true")), HealthStatus.Healthy)));
    }

    /// <summary>
    /// Patroni calls a replica "running" whether or not it follows (a former primary started as a standby before its
    /// divergence was checked replays its own timeline for ever), so a running replica the primary does not stream to
    /// (no lag published) is offered Rejoin too; never while Patroni is still bringing the node up.
    /// </summary>
    [Fact]
    public void UnderPatroni_RejoinIsOfferedOnARunningReplicaThatDoesNotStream_NotWhilePatroniIsBusy()
    {
        var running = (ReplicaSetProperties.PatroniState, (object)"running");
        var streaming = WithHealth(Snapshot(KnownResourceStates.Running, running, (ReplicaSetProperties.LagBytes, 0L)), HealthStatus.Healthy);
        var notStreaming = WithHealth(Snapshot(KnownResourceStates.Running, running), HealthStatus.Healthy);
        var cloning = WithHealth(Snapshot(KnownResourceStates.Running, (ReplicaSetProperties.PatroniState, "creating replica")), HealthStatus.Unhealthy);

        Assert.Equal(ResourceCommandState.Disabled, StateOf(patroniModel, "pg-1", PostgresNodeCommands.Rejoin, streaming));
        Assert.Equal(ResourceCommandState.Enabled, StateOf(patroniModel, "pg-1", PostgresNodeCommands.Rejoin, notStreaming));
        Assert.Equal(ResourceCommandState.Disabled, StateOf(patroniModel, "pg-1", PostgresNodeCommands.Rejoin, cloning));
        Assert.Equal(ResourceCommandState.Disabled, StateOf(patroniModel, "pg-0", PostgresNodeCommands.Rejoin, notStreaming));
    }

    [Theory]
    [InlineData(PostgresNodeCommands.KillPostmaster)]
    [InlineData(PostgresNodeCommands.KillNode)]
    [InlineData(PostgresNodeCommands.ShowLag)]
    public void NodeCommandsThatNeedAServerAreDisabledWhenItIsNotRunning(string commandName)
    {
        Assert.Equal(ResourceCommandState.Enabled, StateOf("pg-0", commandName, Snapshot(KnownResourceStates.Running)));
        Assert.Equal(ResourceCommandState.Disabled, StateOf("pg-0", commandName, Snapshot(KnownResourceStates.Exited)));
        Assert.Equal(ResourceCommandState.Disabled, StateOf("pg-1", commandName, Snapshot(KnownResourceStates.FailedToStart)));
    }

    private List<ResourceCommandAnnotation> CommandsOf(string resourceName) => CommandsOf(model, resourceName);

    private static List<ResourceCommandAnnotation> CommandsOf(AppModelFixture model, string resourceName) =>
        model.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Single(resource => resource.Name == resourceName)
            .Annotations.OfType<ResourceCommandAnnotation>().ToList();

    private ResourceCommandAnnotation Command(string resourceName, string commandName) =>
        Assert.Single(CommandsOf(resourceName), command => command.Name == commandName);

    private ResourceCommandState StateOf(string resourceName, string commandName, CustomResourceSnapshot snapshot) =>
        StateOf(model, resourceName, commandName, snapshot);

    private static ResourceCommandState StateOf(AppModelFixture model, string resourceName, string commandName, CustomResourceSnapshot snapshot) =>
        Assert.Single(CommandsOf(model, resourceName), command => command.Name == commandName)
            .UpdateState(new UpdateCommandStateContext { ResourceSnapshot = snapshot, Services = model.App.Services });

    /// <summary>A snapshot as the replica set publishes it on every node while pg-0 is the primary.</summary>
    private static CustomResourceSnapshot Snapshot(string state, params (string Name, object Value)[] properties) => new()
    {
        ResourceType = "Test",
        State = state,
        Properties = [new ResourcePropertySnapshot(ReplicaSetProperties.Primary, "pg-0"),
            .. properties.Select(property => new ResourcePropertySnapshot(property.Name, property.Value))],
    };

    private static CustomResourceSnapshot WithHealth(CustomResourceSnapshot snapshot, HealthStatus status) =>
        snapshot.WithHealthReports([new HealthReportSnapshot("node", status, null, null)]);
}
