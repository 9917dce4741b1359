using System.Net.Sockets;

namespace Replication.Benchmarks.Graphs;

/// <summary>
/// HAProxy (C, Debian's 2.6) in front of the two services, configured as operators configure an active/backup pair:
/// primaryservice active and backupservice a <c>backup</c> server (used only once the primary is marked down), active
/// health checks on <c>/health</c>, passive ones (<c>observe layer7</c>: a run of errors marks a server down),
/// <c>retries</c> with <c>option redispatch</c>, and <c>retry-on</c> connection failures, timeouts and 5xx. The benchmark
/// owns the process (started and stopped through <see cref="BackgroundCommand"/>); it listens on loopback only.
/// </summary>
public sealed class HaproxyPeer : IAsyncDisposable
{
    public const string Name = "HAProxy (active/backup)";

    private readonly BackgroundCommand process;
    private readonly string directory;

    private HaproxyPeer(BackgroundCommand process, string directory, Uri address)
    {
        this.process = process;
        this.directory = directory;
        Address = address;
    }

    /// <summary>Where HAProxy is, or null when it is not installed (<c>apt-get install haproxy</c>).</summary>
    public static string? Executable { get; } = new[] { "/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy" }.FirstOrDefault(File.Exists);

    public Uri Address { get; }

    public int ProcessId => process.ProcessId;

    /// <summary>Writes the configuration, checks it with <c>haproxy -c</c>, starts HAProxy and waits until it forwards to the primary.</summary>
    public static async Task<HaproxyPeer> StartAsync(Uri primary, Uri backup, TimeSpan attemptTimeout, CancellationToken cancellationToken)
    {
        var executable = Executable ?? throw new InvalidOperationException("HAProxy is not installed (apt-get install haproxy).");
        var directory = Directory.CreateTempSubdirectory("replication-haproxy-").FullName;
        var port = FreeLoopbackPort();
        var configuration = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(configuration, Configuration(port, primary, backup, attemptTimeout), cancellationToken);
        var check = await CommandRunner.RunAsync(executable, ["-c", "-q", "-f", configuration], TimeSpan.FromSeconds(30), cancellationToken);
        if (!check.Succeeded)
        {
            throw new InvalidOperationException($"haproxy -c {check.Describe()}: {check.StandardOutput}{check.StandardError}");
        }

        // -db: in the foreground, so the benchmark owns the process and stops it.
        var process = BackgroundCommand.Start(new CommandLine(executable, ["-db", "-f", configuration]));
        var peer = new HaproxyPeer(process, directory, new Uri($"http://127.0.0.1:{port}"));
        try
        {
            await EntryPoint.For(Name, peer.Address).WaitUntilServedByAsync(ResourceNames.PrimaryService, cancellationToken);
        }
        catch
        {
            await peer.DisposeAsync();
            throw new InvalidOperationException($"HAProxy did not forward: {string.Join('\n', process.RecentOutput.TakeLast(10))}");
        }

        return peer;
    }

    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    private static string Configuration(int port, Uri primary, Uri backup, TimeSpan attemptTimeout) => string.Create(CultureInfo.InvariantCulture, $$"""
        global
            maxconn 4096

        defaults
            mode http
            maxconn 4096
            timeout connect 2s
            timeout client 30s
            # The gateway's attempt timeout; a hung server's request is retried after it.
            timeout server {{(int)attemptTimeout.TotalMilliseconds}}ms
            timeout check 1s
            option http-buffer-request
            retries 2
            # Each retry goes to another server where one is eligible (a backup server only is once the primary is down).
            option redispatch 1
            retry-on conn-failure empty-response response-timeout 500 502 503 504

        frontend users
            bind 127.0.0.1:{{port}}
            default_backend services

        backend services
            option httpchk GET {{ServicePaths.Health}}
            http-check expect status 200
            default-server inter 1s fall 2 rise 2 observe layer7 error-limit 10 on-error mark-down
            server {{ResourceNames.PrimaryService}} {{primary.Host}}:{{primary.Port}} check
            server {{ResourceNames.BackupService}} {{backup.Host}}:{{backup.Port}} check backup

        """);

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
