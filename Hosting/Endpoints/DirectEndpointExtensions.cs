using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>Endpoints without Aspire's proxy in front.</summary>
public static class DirectEndpointExtensions
{
    /// <summary>
    /// Serves the project's http endpoint on a port of its own, without Aspire's proxy in front. A proxy keeps
    /// accepting connections for a dead service and holds them open; without it, a dead service refuses at once,
    /// as it would in production, and the gateway fails over in a round trip instead of a timeout.
    /// </summary>
    /// <param name="project">A project with an <c>http</c> endpoint.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<ProjectResource> WithDirectEndpoint(this IResourceBuilder<ProjectResource> project) =>
        project.WithEndpoint("http", endpoint =>
        {
            endpoint.IsProxied = false;
            endpoint.Port = null;
            endpoint.TargetPort = null;
        });
}
