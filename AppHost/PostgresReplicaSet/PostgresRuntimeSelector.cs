using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>How one runtime (process or container) adds a replica set's nodes.</summary>
internal interface IPostgresReplicaSetRuntime
{
    PostgresRuntime Kind { get; }

    /// <summary>Adds every node, the initial primary first, with whatever helpers bootstrap them.</summary>
    IReadOnlyList<IResourceBuilder<PostgresNodeResource>> AddNodes(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet);

    /// <summary>Marks a stopped former primary's data so that, if it is started, it comes back as a standby.</summary>
    Task FenceAsync(PostgresNodeResource node, CancellationToken cancellationToken);

    /// <summary>Turns a stopped node into a replica of <paramref name="primary"/>: pg_rewind, or a fresh base backup.</summary>
    Task RejoinAsync(PostgresNodeResource node, PostgresNodeResource primary, ILogger log, CancellationToken cancellationToken);
}

internal static class PostgresRuntimeSelector
{
    public static IPostgresReplicaSetRuntime Resolve(IDistributedApplicationBuilder builder, PostgresReplicaSetOptions options)
    {
        if (options.Runtime == PostgresRuntime.Container && builder.ExecutionContext.IsRunMode)
        {
            FailAtStart(builder, "Postgres:Runtime=Container is not available yet in this version of the template; use Process (or Auto).");
        }

        // Auto: the container runtime is not wired yet, so Auto means Process.
        var binaries = PostgresBinaries.Locate(options.BinDirectory);
        if (binaries is null && builder.ExecutionContext.IsRunMode)
        {
            FailAtStart(builder, PostgresBinaries.InstallHint);
        }

        return new PostgresProcessRuntime(binaries ?? new PostgresBinaries("/usr/bin"));
    }

    public static string Describe(this IPostgresReplicaSetRuntime runtime, PostgresRuntime requested) =>
        requested == PostgresRuntime.Auto ? $"{runtime.Kind} (auto)" : runtime.Kind.ToString();

    /// <summary>Stops the AppHost before anything starts, with one readable line instead of a stack trace.</summary>
    private static void FailAtStart(IDistributedApplicationBuilder builder, string message) =>
        builder.Eventing.Subscribe<BeforeStartEvent>((startEvent, _) =>
        {
            startEvent.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Replication.Postgres").LogCritical("{Message}", message);
            Environment.ExitCode = 1;
            startEvent.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            return Task.CompletedTask;
        });
}
