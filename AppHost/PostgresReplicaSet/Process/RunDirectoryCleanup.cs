using Microsoft.Extensions.Hosting;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Deletes the run directory once the AppHost has stopped, i.e. after Aspire has stopped the servers.
/// Any server that outlived its resource is killed first.
/// </summary>
internal sealed class RunDirectoryCleanup(RunDirectory runDirectory, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopped.Register(runDirectory.Delete);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
