using Microsoft.Extensions.Hosting;

namespace Replication.Tests.ContainerRuntime;

/// <summary>The AppHost's application model, built with the given settings and never started: no engine needed.</summary>
internal sealed class AppModel : IAsyncDisposable
{
    private readonly DistributedApplication app;

    private AppModel(DistributedApplication app)
    {
        this.app = app;
        Model = app.Services.GetRequiredService<DistributedApplicationModel>();
    }

    public DistributedApplicationModel Model { get; }

    public PostgresReplicaSetResource ReplicaSet => Model.Resources.OfType<PostgresReplicaSetResource>().Single();

    public static async Task<AppModel> BuildAsync(params string[] arguments)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Replication_AppHost>(
            ["--Gateway:Port=0", .. arguments], cancellationToken);
        // Disposing an app that never started waits for its entry point until the host's shutdown timeout (30 s).
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(1));
        return new AppModel(await builder.BuildAsync(cancellationToken));
    }

    public T Resource<T>(string name)
        where T : IResource => Assert.IsAssignableFrom<T>(Model.Resources.Single(resource => resource.Name == name));

    /// <summary>The runtime the replica set shows in the dashboard (its initial <c>postgres.runtime</c> property).</summary>
    public string RuntimeProperty =>
        (string)ReplicaSet.Annotations.OfType<ResourceSnapshotAnnotation>().Single().InitialSnapshot.Properties
            .Single(property => property.Name == ReplicaSetProperties.Runtime).Value!;

    /// <summary>Environment as the manifest would write it: parameters and endpoints stay references.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> EnvironmentOf(IResource resource)
    {
        var configuration = await PublishConfigurationOf(resource, builder => builder.WithEnvironmentVariablesConfig());
        return configuration.EnvironmentVariables.ToDictionary();
    }

    public static async Task<string[]> ArgumentsOf(IResource resource)
    {
        var configuration = await PublishConfigurationOf(resource, builder => builder.WithArgumentsConfig());
        return [.. configuration.Arguments.Select(argument => argument.Value)];
    }

    private static async Task<IExecutionConfigurationResult> PublishConfigurationOf(
        IResource resource, Func<IExecutionConfigurationBuilder, IExecutionConfigurationBuilder> configure)
    {
        var context = new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish);
        var result = await configure(ExecutionConfigurationBuilder.Create(resource))
            .BuildAsync(context, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TestContext.Current.CancellationToken);
        return result.Exception is null ? result : throw result.Exception;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
