using System.Globalization;

namespace Replication.Testing;

/// <summary>
/// Runs host programs inside a graph member's network namespace (<c>nsenter</c> into its container's process), as
/// Jepsen's nemeses run on each machine: what <see cref="NetworkPartition"/> and <see cref="SlowLink"/> are made of.
/// </summary>
internal static class ContainerNamespaces
{
    private const string ContainerIdProperty = "container.id";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How the kit runs <c>nsenter</c>: itself as root, through <c>sudo -n</c> where that needs no password, or not at all (null).</summary>
    private static readonly Lazy<string[]?> Privilege = new(() =>
        !OperatingSystem.IsLinux() ? null
        : Posix.EffectiveUserId() == 0 ? []
        : ProgramOnPath("sudo") && CommandRunner.Run("sudo", ["-n", "true"], CommandTimeout).Succeeded ? ["sudo", "-n"]
        : null);

    /// <summary>
    /// Why <paramref name="fault"/> cannot be made here, or null when it can: it needs Linux, root (or <c>sudo</c> without
    /// a password), <c>nsenter</c> and <paramref name="programs"/>, and members in containers.
    /// </summary>
    public static string? UnavailableBecause(DistributedApplication app, IEnumerable<string> members, string fault, IReadOnlyList<string> programs, string packages)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (Privilege.Value is null)
        {
            return $"{fault} in the members' network namespaces needs root on Linux (or sudo without a password).";
        }

        if (programs.Prepend("nsenter").FirstOrDefault(program => !ProgramOnPath(program)) is { } missing)
        {
            return $"{fault} needs {missing} (apt-get install {packages}).";
        }

        return members.FirstOrDefault(member => ContainerIdOf(app, member) is null) is { } notContained
            ? $"{notContained} does not run in a container: {fault} works on members at their own addresses, which only the container runtime gives them (Postgres:Runtime=Container)."
            : null;
    }

    /// <summary>Runs a host program inside <paramref name="member"/>'s network namespace.</summary>
    public static Task<CommandResult> RunAsync(Member member, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        string[] line = [.. Privilege.Value!, "nsenter", "-t", member.Pid, "-n", .. command];
        return CommandRunner.RunAsync(line[0], line[1..], CommandTimeout, cancellationToken);
    }

    /// <summary>Runs it as <see cref="RunAsync"/> does, and throws, naming the command and the member, when it fails.</summary>
    public static async Task<CommandResult> RunOrThrowAsync(Member member, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var result = await RunAsync(member, command, cancellationToken);
        return result.Succeeded
            ? result
            : throw new InvalidOperationException($"{string.Join(' ', command)} in {member}'s network namespace failed: {result.Describe()}");
    }

    /// <summary>Whether a TCP connection from inside <paramref name="member"/>'s namespace reaches <paramref name="address"/>.</summary>
    public static async Task<bool> ConnectsAsync(Member member, string address, int port, CancellationToken cancellationToken)
    {
        var seconds = ProbeTimeout.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture);
        return (await RunAsync(member, ["timeout", seconds, "bash", "-c", $"exec 3<>/dev/tcp/{address}/{port}"], cancellationToken)).Succeeded;
    }

    /// <summary>A member's container process (whose namespace to enter) and its address on the container network.</summary>
    public static async Task<Member> MemberAsync(DistributedApplication app, string name, CancellationToken cancellationToken)
    {
        var id = ContainerIdOf(app, name) ?? throw new InvalidOperationException($"{name} has no running container.");
        var inspected = (await ContainerEngine.RunAsync(["inspect", "--format", "{{.State.Pid}} {{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", id],
            CommandTimeout, cancellationToken)).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return inspected is [var pid, var address, ..] && pid != "0"
            ? new Member(name, pid, address)
            : throw new InvalidOperationException($"{name}'s container {id[..12]} has no running process or no address: {string.Join(' ', inspected)}");
    }

    /// <summary>The port <paramref name="resourceName"/>'s first endpoint listens on inside its container.</summary>
    public static int ListeningPortOf(DistributedApplication app, string resourceName) =>
        app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(resource => resource.Name == resourceName)
            .Annotations.OfType<EndpointAnnotation>().FirstOrDefault()?.TargetPort
        ?? throw new InvalidOperationException($"{resourceName} has no endpoint with a port to prove the fault on.");

    private static string? ContainerIdOf(DistributedApplication app, string resourceName) =>
        app.SnapshotOf(resourceName).PropertyValue(ContainerIdProperty) is { Length: > 0 } id ? id : null;

    private static bool ProgramOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(directory => File.Exists(Path.Combine(directory, program)));

    internal sealed record Member(string Name, string Pid, string Address)
    {
        public override string ToString() => $"{Name} {Address}";
    }
}
