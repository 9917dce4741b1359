using Replication.Processes;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The machine's Patroni and etcd, and which etcd API Patroni must use with them. Found once, while the model is built.
/// </summary>
/// <param name="Patroni">The <c>patroni</c> executable.</param>
/// <param name="Etcd">The <c>etcd</c> server executable.</param>
/// <param name="Version">Patroni's version, from <c>patroni --version</c>.</param>
/// <param name="PostgresBinDirectory">The PostgreSQL server binaries Patroni runs.</param>
internal sealed record PatroniInstallation(string Patroni, string Etcd, Version Version, string PostgresBinDirectory)
{
    public const string InstallHint =
        "Postgres:HaManager=Patroni needs Patroni and etcd (Debian/Ubuntu: 'sudo apt-get install -y patroni etcd-server python3-etcd').";

    private static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The first release whose etcd v3 client does not overwrite a leader key it lost (commit d98d6d0b).</summary>
    private static readonly Version SafeEtcd3Client = new(3, 0, 3);

    /// <summary>
    /// <c>etcd3</c> from Patroni 3.0.3 on; <c>etcd</c> (the v2 API) before it. Patroni 3.0.2 (Debian 12) regrants its
    /// lease after a pause longer than the ttl and then writes the leader key unconditionally: a primary frozen past the
    /// ttl took the lock back from the replica promoted meanwhile, which was rewound, and hundreds of writes it had
    /// acknowledged (synchronously) were lost. Its v2 client updates the key with compare-and-swap and lost none.
    /// </summary>
    public string DcsSection => UsesEtcdV2 ? "etcd" : "etcd3";

    /// <summary>Whether etcd must serve its v2 API (off by default since etcd 3.4).</summary>
    public bool UsesEtcdV2 => Version < SafeEtcd3Client;

    public static PatroniInstallation? Locate(string postgresBinDirectory)
    {
        var patroni = OnPath("patroni");
        var etcd = OnPath("etcd");
        if (patroni is null || etcd is null)
        {
            return null;
        }

        // Model build is synchronous, so this asks synchronously, with a deadline. "patroni 3.0.2"
        var answer = CommandRunner.Run(patroni, ["--version"], VersionTimeout);
        var words = answer.StandardOutput.Trim().Split(' ');
        return answer.Succeeded && words.Length == 2 && Version.TryParse(words[1], out var version)
            ? new PatroniInstallation(patroni, etcd, version, postgresBinDirectory)
            : null;
    }

    private static string? OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin"])
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
