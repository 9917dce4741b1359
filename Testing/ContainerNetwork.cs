namespace Replication.Testing;

/// <summary>
/// Whether two containers on one network of the engine reach each other, checked once per run before a container graph
/// boots. Replicas that cannot reach their primary wait for it for ever; without this check that shows only as a graph
/// that never turns healthy, minutes later. The usual cause is the host's firewall, which the failure names.
/// </summary>
public static class ContainerNetwork
{
    private const int ProbePort = 7777;

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private static readonly Lock Gate = new();
    private static Task<string?>? problem;

    /// <summary>Throws, in one line naming the likely cause, when containers of <paramref name="image"/> cannot connect to each other.</summary>
    /// <param name="image">An image with <c>perl</c> (Debian's perl-base, in the official postgres image and the offline one).</param>
    public static async Task EnsureContainersConnectAsync(string image)
    {
        Task<string?> check;
        lock (Gate)
        {
            check = problem ??= ProblemAsync(image);
        }

        if (await check is { } found)
        {
            throw new InvalidOperationException(found);
        }
    }

    /// <summary>
    /// Checks afresh (not once per run, as <see cref="EnsureContainersConnectAsync"/> does): a listener and a client in two
    /// containers on a new network. Null when the client got the listener's answer; otherwise why not, in one line.
    /// </summary>
    public static async Task<string?> ProblemAsync(string image)
    {
        var network = $"replication-probe-{Guid.NewGuid():N}"[..26];
        var listener = $"{network}-listener";
        await ContainerEngine.RunAsync(["network", "create", network]);
        try
        {
            await ContainerEngine.RunAsync(["run", "--detach", "--rm", "--network", network, "--name", listener, "--entrypoint", "perl", image,
                "-MIO::Socket::INET", "-e",
                $"$s = IO::Socket::INET->new(LocalPort => {ProbePort}, Listen => 5, ReuseAddr => 1) or die $!; while ($c = $s->accept) {{ print $c \"ok\\n\"; close $c }}"]);
            var connected = await CommandRunner.RunAsync(ContainerEngine.Configured,
                ["run", "--rm", "--network", network, "--entrypoint", "perl", image, "-MIO::Socket::INET", "-e",
                 $"$c = IO::Socket::INET->new(PeerAddr => \"{listener}:{ProbePort}\", Timeout => {ConnectTimeout.TotalSeconds:F0}) or die \"$@\\n\"; print scalar <$c>"],
                TimeSpan.FromMinutes(1));
            if (connected.Succeeded && connected.StandardOutput.Trim() == "ok")
            {
                return null;
            }

            // Only a connection that does not go through is the network's fault; an image without perl says nothing of it.
            if (!connected.StandardError.Contains("connect", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            var subnet = (await ContainerEngine.RunAsync(["network", "inspect", network, "--format", "{{range .IPAM.Config}}{{.Subnet}}{{end}}"])).Trim();
            return $"Containers on one network of the container engine cannot reach each other (a TCP connection between two " +
                   $"containers on {subnet} failed: {connected.StandardError.Trim()}), so the replicas could never reach their primary. " +
                   $"{FirewallState()} Allow the engine's traffic in FORWARD (e.g. iptables -I FORWARD -s {subnet} -d {subnet} -j ACCEPT), " +
                   "or start the engine with .ci/docker-engine.sh, which adds such a rule for its own address pool.";
        }
        finally
        {
            await CommandRunner.RunAsync(ContainerEngine.Configured, ["rm", "--force", listener], TimeSpan.FromMinutes(1));
            await CommandRunner.RunAsync(ContainerEngine.Configured, ["network", "rm", network], TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>What the host's firewall does with bridged traffic, as far as this user can read it.</summary>
    private static string FirewallState()
    {
        var bridgedThroughIptables = File.Exists("/proc/sys/net/bridge/bridge-nf-call-iptables")
                                     && File.ReadAllText("/proc/sys/net/bridge/bridge-nf-call-iptables").Trim() == "1";
        var forward = CommandRunner.Run("iptables", ["-w", "-S", "FORWARD"], TimeSpan.FromSeconds(10));
        var policy = forward.Succeeded
            ? forward.StandardOutput.Split('\n').FirstOrDefault(line => line.StartsWith("-P FORWARD ", StringComparison.Ordinal))?["-P FORWARD ".Length..].Trim()
            : null;
        return (bridgedThroughIptables, policy) switch
        {
            (true, "DROP") => "The likely cause is the host's firewall: br_netfilter passes bridged traffic through iptables " +
                              "(net.bridge.bridge-nf-call-iptables = 1) and the FORWARD chain's policy is DROP, as a Docker engine that ran before leaves it.",
            (true, null) => "The likely cause is the host's firewall: br_netfilter passes bridged traffic through iptables " +
                            "(net.bridge.bridge-nf-call-iptables = 1), and the FORWARD chain (which this user cannot read) may drop it.",
            _ => "The likely cause is a firewall rule between the engine's containers (check the FORWARD chain).",
        };
    }
}
