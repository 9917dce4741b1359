namespace Replication.Testing;

/// <summary>kill -9 of a service's own process while writes flow through it; started again when stopped.</summary>
public sealed class KillService(string serviceName) : Nemesis
{
    public override string Name => $"kill {serviceName}";

    public override async Task StartAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        context.Log($"SIGKILL {serviceName}");
        await context.Graph.Faults.KillAsync(serviceName, cancellationToken);
    }

    public override async Task StopAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        await context.Graph.Faults.StartAsync(serviceName, cancellationToken);
        context.Log($"{serviceName} started again");
    }
}
