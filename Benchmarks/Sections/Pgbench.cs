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
        var start = new ProcessStartInfo(Path.Combine(BinDirectoryOf(node), "pgbench"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-h", settings.Host!, "-p", settings.Port.ToString(CultureInfo.InvariantCulture), "-U", settings.Username!, .. arguments, DatabaseName])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGPASSWORD"] = settings.Password;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pgbench exited with {process.ExitCode}: {await errors}");
        }

        return await output + await errors;
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
