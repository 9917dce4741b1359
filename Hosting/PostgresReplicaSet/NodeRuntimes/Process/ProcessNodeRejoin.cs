using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;
using Replication.Processes;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// Turns a stopped node (typically a fenced former primary) into a replica of the current primary:
/// <c>pg_rewind</c> when its history can be rewound, a fresh <c>pg_basebackup</c> when it cannot.
/// </summary>
internal sealed class ProcessNodeRejoin(PostgresBinaries binaries, RunDirectory runDirectory, ProcessPlacement placement, ILogger log)
{
    /// <summary>A rewind or a base backup of the dev graph's small databases; generous, for a loaded machine.</summary>
    private static readonly TimeSpan CopyTimeout = TimeSpan.FromMinutes(5);

    public async Task RejoinAsync(PostgresNode node, PostgresNode primary, CancellationToken cancellationToken)
    {
        var replicaSet = node.Parent;
        var dataDirectory = placement.DataDirectoryOf(node.Name);
        var standbySignal = Path.Combine(dataDirectory, "standby.signal");
        // pg_rewind finishes crash recovery in single-user mode first, which refuses to run as a standby.
        File.Delete(standbySignal);

        var superuserPassword = await replicaSet.SuperuserPassword.GetValueAsync(cancellationToken).ConfigureAwait(false) ?? "";
        var rewound = await RunAsync(binaries.Rewind,
            ["--target-pgdata", dataDirectory,
             "--source-server", $"host=127.0.0.1 port={primary.Endpoint.TargetPort} user={PostgresReplicaSetResource.SuperuserName} dbname=postgres",
             "--progress"],
            superuserPassword, cancellationToken);

        if (rewound)
        {
            await WriteRecoverySettingsAsync(node, primary, cancellationToken);
            log.LogInformation("{Node} was rewound to {Primary}'s history", node.Name, primary.Name);
            return;
        }

        log.LogWarning("pg_rewind could not rewind {Node}; taking a fresh base backup from {Primary}", node.Name, primary.Name);
        Directory.Delete(dataDirectory, recursive: true);
        var replicationPassword = await replicaSet.ReplicationPassword.GetValueAsync(cancellationToken).ConfigureAwait(false) ?? "";
        var copied = await RunAsync(binaries.BaseBackup,
            ["--host", "127.0.0.1", "--port", $"{primary.Endpoint.TargetPort}",
             "--username", PostgresReplicaSetResource.ReplicationUserName, "--no-password",
             "--pgdata", dataDirectory, "--write-recovery-conf", "--wal-method", "stream",
             "--slot", node.SlotName, "--checkpoint", "fast"],
            replicationPassword, cancellationToken);
        if (!copied)
        {
            throw new InvalidOperationException($"Neither pg_rewind nor pg_basebackup could rejoin {node.Name}; see its log.");
        }
    }

    /// <summary>standby.signal, and primary_conninfo/primary_slot_name pointing at the new primary.</summary>
    private async Task WriteRecoverySettingsAsync(PostgresNode node, PostgresNode primary, CancellationToken cancellationToken)
    {
        // pg_rewind copied the source's postgresql.auto.conf, whose recovery settings describe the source, not this node.
        var dataDirectory = placement.DataDirectoryOf(node.Name);
        var autoConf = Path.Combine(dataDirectory, "postgresql.auto.conf");
        var kept = File.Exists(autoConf)
            ? File.ReadAllLines(autoConf).Where(line => !line.StartsWith("primary_conninfo", StringComparison.Ordinal)
                                                      && !line.StartsWith("primary_slot_name", StringComparison.Ordinal))
            : [];
        var conninfo = PostgresServerSettings.PrimaryConnectionInfo(node, primary);
        runDirectory.WritePrivateFile(autoConf, string.Join('\n', [
            .. kept,
            $"primary_conninfo = '{conninfo.Replace("'", "''", StringComparison.Ordinal)}'",
            $"primary_slot_name = '{node.SlotName}'",
            ""]));
        runDirectory.WritePrivateFile(Path.Combine(dataDirectory, "standby.signal"), "");
    }

    private async Task<bool> RunAsync(string program, IReadOnlyList<string> arguments, string password, CancellationToken cancellationToken)
    {
        var command = runDirectory.ServerUser.Wrap(new CommandLine(program, arguments) { WorkingDirectory = runDirectory.Path })
            .WithEnvironment("PGPASSWORD", password);
        var name = Path.GetFileName(program);
        log.LogInformation("Running {Program}", name);
        var result = await CommandRunner.RunAsync(command, CopyTimeout, cancellationToken);
        foreach (var line in (result.StandardOutput + result.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            log.LogInformation("{Program}: {Line}", name, line);
        }

        if (!result.Succeeded)
        {
            log.LogWarning("{Program} {Result}", name, result.Describe());
        }

        return result.Succeeded;
    }
}
