namespace Replication.Testing;

/// <summary>kill -9 of every process of the current primary, as a crash of its machine; stopped once a replica is promoted.</summary>
public sealed class KillPrimary : Nemesis
{
    private string? killed;

    public override string Name => "kill the primary";

    /// <summary>The node the HA manager promoted in its place, once stopped.</summary>
    public string? Promoted { get; private set; }

    public override async Task StartAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        killed = await context.Graph.Database.FindPrimaryAsync(cancellationToken);
        Promoted = null;
        context.Log($"SIGKILL every process of {killed} (the primary)");
        await context.NodeFaults.KillNodeAsync(killed, cancellationToken);
    }

    public override async Task StopAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        if (killed is null)
        {
            return;
        }

        Promoted = await context.Graph.Database.WaitForNewPrimaryAsync(killed, context.HaManager.FailoverBound, cancellationToken);
        context.Log($"{Promoted} promoted in place of {killed}");
        killed = null;
    }
}
