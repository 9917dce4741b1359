using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;

namespace Replication.Benchmarks.Sections;

/// <summary>Runs PostgreSQL's pgbench (next to the graph's own postgres binary) against a node, as its superuser.</summary>
public sealed partial class Pgbench(ReplicaSetProbe database, DistributedApplication app)
{
    private const string DatabaseName = "pgbench";

    /// <summary>Creates and fills the pgbench tables on <paramref name="primary"/> (they replicate like any other table).</summary>
    public async Task InitializeAsync(string primary, CancellationToken cancellationToken)
    {
        await using (var connection = await database.OpenAsync(primary, "postgres", cancellationToken))
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {DatabaseName}", connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await RunAsync(primary, ["-i", "-q", "-s", "2"], cancellationToken);
    }

    /// <summary>The default TPC-B-like write transaction from <paramref name="clients"/> clients for <paramref name="duration"/>; returns the tps pgbench reports.</summary>
    public async Task<double> WriteAsync(string primary, int clients, TimeSpan duration, CancellationToken cancellationToken)
    {
        var output = await RunAsync(primary, ["-n", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", "2", "-T", ((int)Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture)], cancellationToken);
        var tps = Tps().Match(output);
        return tps.Success ? double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException($"pgbench printed no tps:\n{output}");
    }

    private async Task<string> RunAsync(string node, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var settings = new NpgsqlConnectionStringBuilder(await database.Node(node).AdminConnectionString.GetValueAsync(cancellationToken));
        var command = new CommandLine(Path.Combine(BinDirectoryOf(node), "pgbench"),
            ["-h", settings.Host!, "-p", settings.Port.ToString(CultureInfo.InvariantCulture), "-U", settings.Username!, .. arguments, DatabaseName])
            .WithEnvironment("PGPASSWORD", settings.Password);
        var result = await CommandRunner.RunAsync(command, TimeSpan.FromMinutes(10), cancellationToken);
        return result.Succeeded
            ? result.StandardOutput + result.StandardError
            : throw new InvalidOperationException($"pgbench {result.Describe()}");
    }

    /// <summary>The directory of the postgres binary the node runs (setpriv execs in place, so the node's process is the postmaster).</summary>
    private string BinDirectoryOf(string node)
    {
        var pid = GraphProcesses.ProcessIdOf(app, node) ?? throw new InvalidOperationException($"{node} has no process.");
        return Path.GetDirectoryName(ProcessTree.CommandLine(pid).Split(' ')[0])!;
    }

    [GeneratedRegex(@"tps = ([0-9.]+)")]
    private static partial Regex Tps();
}
