namespace Replication.Tests.Kit;

/// <summary>
/// The graph with its PostgreSQL nodes as containers (<c>Postgres:Runtime=Container</c>) of the offline image, with
/// synchronous replication, on the container engine the machine offers (<see cref="ContainerEngine"/>). Where no
/// engine answers it does not boot, and its tests skip with the reason (<see cref="GraphFixture.SkipUnlessBooted"/>).
/// </summary>
public class ContainerGraphFixture : GraphFixture
{
    private string image = "";

    protected override IEnumerable<string> GraphArguments =>
        ["--Postgres:Runtime=Container", $"--Postgres:Image={image}", "--Postgres:Durability=Sync", .. ContainerArguments];

    /// <summary>Arguments of a derived container graph, after the container runtime's.</summary>
    protected virtual IEnumerable<string> ContainerArguments => [];

    protected override async Task<string?> PrepareAsync()
    {
        if (await ContainerEngine.UnavailableBecauseAsync() is { } reason)
        {
            return reason;
        }

        image = await OfflinePostgresImage.ReferenceAsync();
        await ContainerNetwork.EnsureContainersConnectAsync(image);
        return null;
    }
}

/// <summary>
/// A container graph whose nodes keep their data in named volumes (<c>Postgres:DataVolumes=true</c>), so it survives
/// <see cref="GraphFixture.RestartAsync"/>. The volumes are the fixture's: it refuses to start on volumes that exist
/// already (a developer's own <c>dotnet run</c> of this checkout names them the same), and removes them once the graph has stopped.
/// </summary>
public class DataVolumesGraphFixture : ContainerGraphFixture
{
    private readonly string volumePrefix = $"replication-test-{Guid.NewGuid():N}"[..26];
    private List<string> volumes = [];

    // Volumes of this fixture's own, apart from another graph's (or a developer's run of this checkout), even when one
    // graph's stop overlaps the next one's boot.
    protected override IEnumerable<string> ContainerArguments => ["--Postgres:DataVolumes=true", $"--Postgres:DataVolumePrefix={volumePrefix}"];

    /// <summary>The nodes' data volumes, as the model names them.</summary>
    public IReadOnlyList<string> DataVolumes => volumes;

    protected override async Task BeforeStartAsync(DistributedApplication app)
    {
        if (volumes.Count > 0)
        {
            return; // A restart: the volumes are this fixture's own.
        }

        var named = app.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .SelectMany(resource => resource.Annotations.OfType<ContainerMountAnnotation>())
            .Where(mount => mount.Type == ContainerMountType.Volume && mount.Source is not null)
            .Select(mount => mount.Source!)
            .ToList();
        var existing = (await ContainerEngine.RunAsync(["volume", "ls", "--quiet"]))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (named.Intersect(existing).ToList() is { Count: > 0 } taken)
        {
            throw new InvalidOperationException(
                $"The data volumes {string.Join(", ", taken)} exist already (from a `dotnet run --Postgres:DataVolumes=true` of this checkout?). " +
                "The test would run on, and then remove, their data: remove them yourself with `docker volume rm` if they can go.");
        }

        volumes = named;
    }

    public override async Task StopAndCleanUpAsync()
    {
        await base.StopAndCleanUpAsync();
        if (volumes.Count > 0)
        {
            await ContainerEngine.RunAsync(["volume", "rm", "--force", .. volumes]);
        }
    }
}
