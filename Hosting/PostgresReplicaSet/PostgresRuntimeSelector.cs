using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>The runtime a replica set runs on, and why, as the dashboard shows it.</summary>
internal sealed record PostgresRuntimeChoice(IPostgresReplicaSetRuntime Runtime, string Description);

internal static class PostgresRuntimeSelector
{
    /// <summary>How long <c>Auto</c> waits for the container runtime to answer before it settles for Process.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    private const string LogCategory = "Aspire.Hosting.PostgresReplicaSet";

    public static PostgresRuntimeChoice Resolve(IDistributedApplicationBuilder builder, PostgresReplicaSetOptions options)
    {
        if (options.HaManager == PostgresHaManager.Patroni)
        {
            return PatroniRuntime(builder, options);
        }

        var containerRuntime = ContainerRuntimeCli.Configured(builder.Configuration);
        var (kind, reason) = options.Runtime switch
        {
            PostgresRuntime.Process => (PostgresRuntime.Process, "configured"),
            PostgresRuntime.Container => (PostgresRuntime.Container, "configured"),
            // A manifest can only describe containers, so publishing needs no probe.
            _ when builder.ExecutionContext.IsPublishMode => (PostgresRuntime.Container, "auto: publishing"),
            _ => Probe(containerRuntime),
        };

        var description = $"{kind} ({reason})";
        StartupMessages.Log(builder, LogCategory, LogLevel.Information, $"PostgreSQL replica set runtime: {description}");
        return new PostgresRuntimeChoice(kind == PostgresRuntime.Container
            ? ContainerRuntime(builder, options, containerRuntime, checkEngine: options.Runtime == PostgresRuntime.Container)
            : ProcessRuntime(builder, options), description);
    }

    /// <summary>
    /// <c>Auto</c>: containers when the configured container runtime answers <c>info</c> within <see cref="ProbeTimeout"/>.
    /// The model is built synchronously, so the probe waits on the process itself.
    /// </summary>
    internal static (PostgresRuntime Kind, string Reason) Probe(ContainerRuntimeCli containerRuntime)
    {
        var stopwatch = Stopwatch.StartNew();
        var answers = containerRuntime.Answers(ProbeTimeout);
        var elapsed = $"{stopwatch.Elapsed.TotalMilliseconds:F0} ms";
        return answers
            ? (PostgresRuntime.Container, $"auto: {containerRuntime} answered in {elapsed}")
            : (PostgresRuntime.Process, $"auto: {containerRuntime} did not answer, {elapsed}");
    }

    /// <summary>An explicit <c>Container</c> with no engine stops the AppHost with one line, as missing binaries do.</summary>
    private static PostgresContainerRuntime ContainerRuntime(
        IDistributedApplicationBuilder builder, PostgresReplicaSetOptions options, ContainerRuntimeCli containerRuntime, bool checkEngine)
    {
        if (checkEngine && builder.ExecutionContext.IsRunMode && !containerRuntime.Answers(ProbeTimeout))
        {
            StartupMessages.FailAtStart(builder, LogCategory,
                $"Postgres:Runtime is Container, but the container runtime '{containerRuntime}' did not answer '{containerRuntime} info' within " +
                $"{ProbeTimeout.TotalSeconds:F0} s. Start Docker (or Podman, with ASPIRE_CONTAINER_RUNTIME=podman), or run the nodes as processes: --Postgres:Runtime=Process.");
        }

        var image = PostgresImage.TryParse(options.Image, out var parsed) ? parsed : null;
        return new PostgresContainerRuntime(containerRuntime, options.DataVolumes, image);
    }

    private static PostgresProcessRuntime ProcessRuntime(IDistributedApplicationBuilder builder, PostgresReplicaSetOptions options) =>
        new(Binaries(builder, options), RunDirectoryFor(builder), builder.ExecutionContext.IsRunMode);

    /// <summary>Patroni runs on the process runtime (in containers it may follow later): etcd and Patroni from the machine.</summary>
    private static PostgresRuntimeChoice PatroniRuntime(IDistributedApplicationBuilder builder, PostgresReplicaSetOptions options)
    {
        if (options.Runtime == PostgresRuntime.Container)
        {
            StartupMessages.FailAtStart(builder, LogCategory, "Postgres:HaManager=Patroni runs on the process runtime only; set Postgres:Runtime=Process or Auto.");
        }

        var binaries = Binaries(builder, options);
        var patroni = PatroniInstallation.Locate(binaries.BinDirectory);
        if (patroni is null && builder.ExecutionContext.IsRunMode)
        {
            StartupMessages.FailAtStart(builder, LogCategory, PatroniInstallation.InstallHint);
        }

        patroni ??= new PatroniInstallation("/usr/bin/patroni", "/usr/bin/etcd", new Version(0, 0, 0), binaries.BinDirectory);
        var description = $"Process (Patroni {patroni.Version.ToString(3)}, etcd {(patroni.UsesEtcdV2 ? "v2" : "v3")} API, {options.EtcdMembers} member{(options.EtcdMembers == 1 ? "" : "s")})";
        StartupMessages.Log(builder, LogCategory, LogLevel.Information, $"PostgreSQL replica set runtime: {description}");
        return new PostgresRuntimeChoice(new PatroniProcessRuntime(patroni, RunDirectoryFor(builder)), description);
    }

    private static PostgresBinaries Binaries(IDistributedApplicationBuilder builder, PostgresReplicaSetOptions options)
    {
        var binaries = PostgresBinaries.Locate(options.BinDirectory);
        if (binaries is null && builder.ExecutionContext.IsRunMode)
        {
            StartupMessages.FailAtStart(builder, LogCategory, PostgresBinaries.InstallHint);
        }

        return binaries ?? new PostgresBinaries("/usr/bin");
    }

    /// <summary>This run's directory; when the servers have no user to run as (root without a postgres user), the AppHost stops at start saying so.</summary>
    private static RunDirectory RunDirectoryFor(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return RunDirectory.Placeholder;
        }

        try
        {
            return RunDirectory.ForThisRun(ServerUser.Current());
        }
        catch (InvalidOperationException exception)
        {
            StartupMessages.FailAtStart(builder, LogCategory, exception.Message);
            return RunDirectory.ForThisRun(ServerUser.Own);
        }
    }
}
