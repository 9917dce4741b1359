using System.Globalization;
using Replication.Processes;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// PostgreSQL refuses to run as root. When the AppHost is root, every server command runs as the
/// <c>postgres</c> system user through <c>setpriv</c>, which execs in place: the process Aspire
/// watches is the server itself, so stopping or killing the resource stops the server.
/// </summary>
internal sealed class ServerUser
{
    private const string SystemUserName = "postgres";

    private ServerUser(string name, uint? userId, uint? groupId)
    {
        Name = name;
        UserId = userId;
        GroupId = groupId;
    }

    /// <summary>The AppHost's own user, without a switch; also the stand-in for a model that runs no server (publishing a manifest).</summary>
    public static ServerUser Own { get; } = new(Environment.UserName, null, null);

    /// <summary>The user the servers run as, for messages.</summary>
    public string Name { get; }

    /// <summary>Set when commands must switch user; null when the AppHost's own user runs them.</summary>
    public uint? UserId { get; }

    public uint? GroupId { get; }

    public bool SwitchesUser => UserId is not null;

    /// <summary>The AppHost's own user, or the <c>postgres</c> system user when the AppHost is root on Linux.</summary>
    /// <exception cref="InvalidOperationException">The AppHost is root and no user to run the servers as can be had; the message says what to do.</exception>
    public static ServerUser Current()
    {
        if (Posix.EffectiveUserId() is not 0u)
        {
            return Own;
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new InvalidOperationException(
                "The AppHost runs as root, and PostgreSQL refuses to. Switching the servers to the 'postgres' user needs setpriv, " +
                "which only Linux has: run the AppHost as an ordinary user.");
        }

        var entry = File.ReadLines("/etc/passwd")
            .Select(line => line.Split(':'))
            .FirstOrDefault(fields => fields.Length > 3 && fields[0] == SystemUserName)
            ?? throw new InvalidOperationException(
                "The AppHost runs as root, and PostgreSQL refuses to. Create the 'postgres' system user " +
                "(the Debian/Ubuntu 'postgresql' package does) or run the AppHost as an ordinary user.");
        return new ServerUser(SystemUserName,
            uint.Parse(entry[2], CultureInfo.InvariantCulture),
            uint.Parse(entry[3], CultureInfo.InvariantCulture));
    }

    /// <summary>The executable and arguments that run <paramref name="program"/> as the server user.</summary>
    public (string Command, IReadOnlyList<string> PrefixArguments) Wrap(string program) => SwitchesUser
        ? ("setpriv", [$"--reuid={UserId}", $"--regid={GroupId}", "--init-groups", "--", program])
        : (program, []);

    /// <summary><paramref name="command"/>, run as the server user.</summary>
    public CommandLine Wrap(CommandLine command)
    {
        var (program, prefix) = Wrap(command.Program);
        return command with { Program = program, Arguments = [.. prefix, .. command.Arguments] };
    }

    /// <summary>Makes the server user own <paramref name="path"/>.</summary>
    public void GiveOwnership(string path)
    {
        if (SwitchesUser)
        {
            Posix.ChangeOwner(path, UserId!.Value, GroupId!.Value);
        }
    }
}
