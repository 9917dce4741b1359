namespace Aspire.Hosting.ApplicationModel;

/// <summary>One Patroni node's directory in the run directory: its configuration, password file and data.</summary>
internal sealed record PatroniNodeDirectory(string Path)
{
    public string ConfigurationFile => System.IO.Path.Combine(Path, "patroni.yml");

    public string DataDirectory => System.IO.Path.Combine(Path, "data");

    public string PasswordFile => System.IO.Path.Combine(Path, "pgpass");

    /// <summary>The pid file the postmaster writes: the postmaster is not Patroni's child, so this is how to find it.</summary>
    public string PostmasterPidFile => System.IO.Path.Combine(DataDirectory, "postmaster.pid");
}
