using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// What an HA manager asks a runtime to run in a member: one of the integration's scripts (<see cref="IntegrationScripts"/>), with
/// the endpoints it listens on. The runtime makes it an executable (run as the server user when it runs a server) or a
/// container; <see cref="Configure"/> then adds its arguments and environment, from what
/// <see cref="IPostgresNodeRuntime.Placement"/> says of addresses and paths.
/// </summary>
/// <param name="Name">The member's resource name.</param>
/// <param name="Script">The script it runs, relative to the scripts directory.</param>
/// <param name="Endpoints">The endpoints it listens on.</param>
/// <param name="RunsServer">Whether it runs a PostgreSQL server (which must not run as root, and keeps its data in <see cref="NodePlacement.DataDirectoryOf"/>).</param>
/// <param name="Image">What its container image needs beyond the postgres image, as a Dockerfile in the scripts directory; null when nothing.</param>
/// <param name="IconName">Its dashboard icon.</param>
/// <param name="Needs">The programs the script runs, which the machine (on processes) or the image (in containers) must have.</param>
/// <param name="InstallHint">What to install when one of <paramref name="Needs"/> is missing, in one sentence.</param>
internal sealed record NodeProgram(
    string Name,
    string Script,
    IReadOnlyList<ProgramEndpoint> Endpoints,
    bool RunsServer,
    string? Image,
    string IconName,
    IReadOnlyList<string> Needs,
    string InstallHint)
{
    /// <summary>Adds the program's arguments and environment once the runtime has made its resource.</summary>
    public required Action<ProgramMember> Configure { get; init; }
}

/// <summary>A program's resource, an executable or a container, through the builder views a program's configuration needs.</summary>
internal sealed class ProgramMember
{
    private ProgramMember(IResourceBuilder<IResourceWithEndpoints> endpoints, IResourceBuilder<IResourceWithEnvironment> environment,
        IResourceBuilder<IResourceWithArgs> arguments, IResourceBuilder<IResourceWithWaitSupport> waits)
    {
        Endpoints = endpoints;
        Environment = environment;
        Arguments = arguments;
        Waits = waits;
    }

    public IResourceWithEndpoints Resource => Endpoints.Resource;

    public IResourceBuilder<IResourceWithEndpoints> Endpoints { get; }

    public IResourceBuilder<IResourceWithEnvironment> Environment { get; }

    public IResourceBuilder<IResourceWithArgs> Arguments { get; }

    public IResourceBuilder<IResourceWithWaitSupport> Waits { get; }

    public EndpointReference GetEndpoint(string name) => Endpoints.GetEndpoint(name);

    public static ProgramMember Of<T>(IResourceBuilder<T> builder)
        where T : IResourceWithEndpoints, IResourceWithEnvironment, IResourceWithArgs, IResourceWithWaitSupport
    {
        var application = builder.ApplicationBuilder;
        return new ProgramMember(
            application.CreateResourceBuilder<IResourceWithEndpoints>(builder.Resource),
            application.CreateResourceBuilder<IResourceWithEnvironment>(builder.Resource),
            application.CreateResourceBuilder<IResourceWithArgs>(builder.Resource),
            application.CreateResourceBuilder<IResourceWithWaitSupport>(builder.Resource));
    }
}

/// <summary>An endpoint a program listens on; in a container, on <paramref name="ContainerPort"/>.</summary>
internal sealed record ProgramEndpoint(string Name, string Scheme, int ContainerPort);
