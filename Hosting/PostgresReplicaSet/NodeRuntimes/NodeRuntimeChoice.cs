using System.Diagnostics;
using Aspire.Hosting;
using Microsoft.Extensions.Logging;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>The one place that picks where a replica set's nodes run.</summary>
internal static class NodeRuntimeChoice
{
    /// <summary>How long choosing at start waits for the container runtime to answer before it settles for processes.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Processes or containers, as <paramref name="settings"/> say; when they leave it open, containers if the configured
    /// container runtime answers (a manifest can only describe containers, so publishing needs no probe). A setting of
    /// the runtime not chosen, or a missing prerequisite of the one chosen, stops the AppHost with one line.
    /// </summary>
    public static IPostgresNodeRuntime Resolve(IDistributedApplicationBuilder builder, PostgresReplicaSetSettings settings)
    {
        var engine = ContainerRuntimeCli.Configured(builder.Configuration);
        var (containers, reason) = settings switch
        {
            { Containers: null } => (false, "configured"),
            { Processes: null } => (true, "configured"),
            _ when builder.ExecutionContext.IsPublishMode => (true, "auto: publishing"),
            _ => Probe(engine),
        };

        var refused = containers ? settings.Processes : (object?)settings.Containers;
        if (settings.ChoosesRuntimeAtStart && refused is PostgresProcessSettings { IsCustomized: true } or PostgresContainerSettings { IsCustomized: true })
        {
            StartupMessages.FailAtStart(builder, StartupMessages.ReplicaSetCategory,
                $"{(containers ? "Postgres:BinDirectory applies to the process runtime" : "Postgres:Image and Postgres:DataVolumes apply to the container runtime")}, " +
                $"and Postgres:Runtime=Auto chose {(containers ? "Container" : "Process")} ({reason}): set Postgres:Runtime={(containers ? "Process" : "Container")}, or drop the setting.");
        }

        var description = $"{(containers ? "Container" : "Process")} ({reason})";
        StartupMessages.Log(builder, StartupMessages.ReplicaSetCategory, LogLevel.Information, $"PostgreSQL replica set runtime: {description}");
        return containers
            ? ContainerNodeRuntime.Create(builder, settings.Containers!, engine, description, checkEngine: !settings.ChoosesRuntimeAtStart)
            : ProcessNodeRuntime.Create(builder, settings.Processes!, description);
    }

    /// <summary>Whether the container runtime answers <c>info</c> within <see cref="ProbeTimeout"/>; the model is built synchronously, so this waits on the process itself.</summary>
    internal static (bool Containers, string Reason) Probe(ContainerRuntimeCli engine)
    {
        var stopwatch = Stopwatch.StartNew();
        var answers = engine.Answers(ProbeTimeout);
        var elapsed = $"{stopwatch.Elapsed.TotalMilliseconds:F0} ms";
        return answers ? (true, $"auto: {engine} answered in {elapsed}") : (false, $"auto: {engine} did not answer, {elapsed}");
    }
}
