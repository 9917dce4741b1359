
namespace Replication.Testing;

public sealed record GraphProcess(string Resource, int Pid, string CommandLine);

/// <summary>The operating-system processes behind the graph's resources, from the resource snapshots' pid properties.</summary>
public static class GraphProcesses
{
    /// <summary>The process Aspire started for a resource (for a project started through <c>dotnet run</c>, the wrapper).</summary>
    public static int? ProcessIdOf(DistributedApplication app, string resourceName) =>
        app.ResourceNotifications.ProcessIdOf(resourceName);

    /// <summary>Every live process of every resource, including their children (service binaries, PostgreSQL backends).</summary>
    public static IReadOnlyList<GraphProcess> Of(DistributedApplication app)
    {
        var processes = new List<GraphProcess>();
        foreach (var resource in app.Services.GetRequiredService<DistributedApplicationModel>().Resources)
        {
            if (ProcessIdOf(app, resource.Name) is { } pid && ProcessTree.IsAlive(pid))
            {
                foreach (var member in ProcessTree.Descendants(pid).Prepend(pid))
                {
                    processes.Add(new GraphProcess(resource.Name, member, ProcessTree.CommandLine(member)));
                }
            }
        }

        return processes;
    }
}
