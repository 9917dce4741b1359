using Replication.Benchmarks.Graphs;

namespace Replication.Benchmarks.Sections;

public enum ServiceFault
{
    /// <summary>primaryservice SIGKILLed, restarted after the fault duration.</summary>
    Crash,

    /// <summary>primaryservice SIGSTOPped for the fault duration.</summary>
    Hang,

    /// <summary>primaryservice answers 500 to every request for the fault duration.</summary>
    Errors,
}

/// <summary>One service fault under constant load through an entry point (our gateway or the YARP baseline), with the kit's probe and faults.</summary>
public static class ServiceFaultScenario
{
    public const string Primary = ResourceNames.PrimaryService;

    public static string Describe(ServiceFault fault, TimeSpan duration) => fault switch
    {
        ServiceFault.Crash => $"primaryservice SIGKILLed, restarted after {duration.TotalSeconds:F1} s",
        ServiceFault.Hang => $"primaryservice hung (SIGSTOP {duration.TotalSeconds:F1} s)",
        _ => $"primaryservice returns 500 for {duration.TotalSeconds:F1} s",
    };

    public static async Task<LoadReport> RunAsync(
        GraphFixture graph, EntryPoint entry, ServiceFault fault, LoadOptions load, BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        LoadReport report;
        await using (var probe = LoadProbe.Start(new UsersWorkload(entry.Client, () => graph.Database), load))
        {
            await probe.WaitForResponsesAsync(settings.ResponsesBeforeFault, cancellationToken);
            await InjectAndRepairAsync(graph, fault, settings.FaultDuration, probe, cancellationToken);
            await entry.WaitUntilServedByAsync(Primary, cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken); // traffic settles on the primary again
            report = await probe.StopAsync();
        }

        // The next scenario starts from a clean gateway: both circuits closed.
        await graph.WaitUntilBothServicesServeAsync(cancellationToken);
        return report;
    }

    /// <summary>Breaks primaryservice for <paramref name="duration"/>, then repairs it, marking both moments on the probe.</summary>
    public static async Task InjectAndRepairAsync(GraphFixture graph, ServiceFault fault, TimeSpan duration, LoadProbe? probe, CancellationToken cancellationToken)
    {
        probe?.MarkFault(Describe(fault, duration));
        switch (fault)
        {
            case ServiceFault.Crash:
                await graph.Faults.KillAsync(Primary, cancellationToken);
                await Task.Delay(duration, cancellationToken);
                probe?.MarkRecovery("start primaryservice");
                await graph.Faults.StartAsync(Primary, cancellationToken);
                break;
            case ServiceFault.Hang:
                await await graph.Faults.HangAsync(Primary, duration, cancellationToken);
                probe?.MarkRecovery("SIGCONT primaryservice");
                break;
            default:
                try
                {
                    await graph.ServiceFaults.FailRequestsAsync(Primary, rate: 1, status: 500, cancellationToken);
                    await Task.Delay(duration, cancellationToken);
                }
                finally
                {
                    await graph.ServiceFaults.ClearAsync(Primary, cancellationToken);
                    probe?.MarkRecovery("faults cleared");
                }

                break;
        }
    }
}
