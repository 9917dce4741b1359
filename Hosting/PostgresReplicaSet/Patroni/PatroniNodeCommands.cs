namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Dashboard commands on each node of a Patroni replica set, mapped onto Patroni's REST API: Switchover, Failover
/// (to this node), Restart and Reinit; Kill postmaster stays a real SIGKILL of the server. The testing kit runs the
/// same commands.
/// </summary>
internal static class PatroniNodeCommands
{
    public static IResourceBuilder<T> WithPatroniCommands<T>(this IResourceBuilder<T> builder, PostgresNode node, PatroniProcessRuntime runtime)
        where T : IResource
    {
        builder.WithCommand(PostgresNodeCommands.Switchover, "Switchover", async context =>
            Result(await PatroniRestApi.PostAsync(node, "/switchover", new { leader = node.Name }, runtime.RestApiPassword, context.CancellationToken)),
            new CommandOptions
            {
                Description = "Hand the leader lock to the synchronous standby (or the best replica) and demote this primary cleanly: POST /switchover.",
                ConfirmationMessage = $"Switch over from {node.Name}?",
                IconName = "ArrowSwap",
                UpdateState = context => IsPrimary(context) ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            });

        builder.WithCommand(PostgresNodeCommands.Failover, "Failover", async context =>
            Result(await PatroniRestApi.PostAsync(node, "/failover", new { candidate = node.Name }, runtime.RestApiPassword, context.CancellationToken)),
            new CommandOptions
            {
                Description = "Make this replica the leader now, even without a healthy primary: POST /failover with this node as the candidate. In synchronous mode only the sync standby qualifies.",
                ConfirmationMessage = $"Fail over to {node.Name}?",
                IconName = "ArrowCircleUp",
                UpdateState = context => context.ResourceSnapshot.IsRunning() && !IsPrimary(context) ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            });

        builder.WithCommand(PostgresNodeCommands.Restart, "Restart PostgreSQL", async context =>
            Result(await PatroniRestApi.PostAsync(node, "/restart", new { }, runtime.RestApiPassword, context.CancellationToken)),
            new CommandOptions
            {
                Description = "Restart this node's PostgreSQL in place through Patroni (POST /restart); a primary keeps the leader lock.",
                IconName = "ArrowClockwise",
                UpdateState = context => context.ResourceSnapshot.IsRunning() ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            });

        builder.WithCommand(PostgresNodeCommands.Reinit, "Reinit", async context =>
            Result(await PatroniRestApi.PostAsync(node, "/reinitialize", new { force = true }, runtime.RestApiPassword, context.CancellationToken)),
            new CommandOptions
            {
                Description = "Delete this replica's data and clone it again from the leader (POST /reinitialize).",
                ConfirmationMessage = $"Reinitialize {node.Name}? Its data directory is deleted and copied again from the leader.",
                IconName = "ArrowSync",
                UpdateState = context => context.ResourceSnapshot.IsRunning() && !IsPrimary(context) ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            });

        return builder.WithKillPostmasterCommand(node);
    }

    private static ExecuteCommandResult Result(PatroniAnswer answer) =>
        answer.IsSuccess ? CommandResults.Success(answer.Body) : CommandResults.Failure($"Patroni answered {answer.Status}: {answer.Body}");

    private static bool IsPrimary(UpdateCommandStateContext context) =>
        context.ResourceSnapshot.Properties.Any(property => property.Name == ReplicaSetProperties.Role && property.Value as string == NodeObservation.Primary);
}
