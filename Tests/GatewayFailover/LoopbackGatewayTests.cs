namespace Replication.Tests.GatewayFailover;

/// <summary>
/// A test class whose tests share one gateway, started in process with <paramref name="settings"/> in front of
/// <see cref="LoopbackServices"/>, and stopped after its last test.
/// </summary>
public abstract class LoopbackGatewayTests(params string[] settings) : IAsyncLifetime
{
    protected LoopbackServices Services { get; private set; } = null!;

    protected static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    public virtual async ValueTask InitializeAsync() => Services = await LoopbackServices.StartAsync(settings);

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
