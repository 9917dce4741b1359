using Microsoft.Extensions.Hosting;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// Deletes the run directory once the AppHost has stopped, i.e. after Aspire has stopped the servers, or when the
/// application is disposed without a normal stop (a test that fails, a model that was started and torn down).
/// Any server that outlived its resource is killed first.
/// </summary>
internal sealed class RunDirectoryCleanup : IDisposable
{
    private readonly RunDirectory runDirectory;

    public RunDirectoryCleanup(RunDirectory runDirectory, IHostApplicationLifetime lifetime)
    {
        this.runDirectory = runDirectory;
        lifetime.ApplicationStopped.Register(runDirectory.Delete);
    }

    public void Dispose() => runDirectory.Delete();
}
