namespace Replication.Tests.ContainerRuntime;

/// <summary>
/// <c>Postgres:Runtime=Container</c>, checked on the application model without starting it (no engine runs here):
/// what would run, from which image, with which arguments, environment, mounts and endpoints.
/// </summary>
public sealed class ContainerAppModelTests
{
    private static readonly string[] NodeNames = ["pg-0", "pg-1", "pg-2"];

    [Fact]
    public async Task EveryNodeIsAContainerOfTheImageAddPostgresPinned()
    {
        await using var app = await AppModel.BuildAsync("--Postgres:Runtime=Container");

        var primary = app.Resource<PostgresServerResource>("pg-0");
        Assert.True(primary.TryGetContainerImageName(out var pinned));
        Assert.StartsWith("docker.io/library/postgres:", pinned, StringComparison.Ordinal);
        foreach (var name in NodeNames)
        {
            var node = app.Resource<ContainerResource>(name);
            Assert.True(node.TryGetContainerImageName(out var image));
            Assert.Equal(pinned, image);
        }

        Assert.Equal(NodeNames, app.ReplicaSet.Nodes.Select(node => node.Name));
        Assert.Equal("Container (configured)", app.RuntimeProperty);
        // No process-runtime helpers (initdb, pg_basebackup executables) in this runtime.
        Assert.DoesNotContain(app.Model.Resources, resource => resource is ExecutableResource && resource.Name.StartsWith("pg-", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("registry.example.com:5000/mirror/postgres:18.3", "registry.example.com:5000", "mirror/postgres", "18.3")]
    [InlineData("localhost/postgres:18", "localhost", "postgres", "18")]
    [InlineData("replication/postgres:15-offline-0123abcd", null, "replication/postgres", "15-offline-0123abcd")]
    [InlineData("mirror.example.com/library/postgres", "mirror.example.com", "library/postgres", "latest")]
    public async Task PostgresImageReplacesThePinnedImageOnEveryNode(string reference, string? registry, string repository, string tag)
    {
        await using var app = await AppModel.BuildAsync("--Postgres:Runtime=Container", $"--Postgres:Image={reference}");

        foreach (var name in NodeNames)
        {
            var image = app.Resource<ContainerResource>(name).Annotations.OfType<ContainerImageAnnotation>().Single();
            Assert.Equal((registry, repository, tag), (image.Registry, image.Image, image.Tag));
        }
    }

    [Theory]
    [InlineData("Postgres:18")]
    [InlineData("mirror/postgres:")]
    [InlineData("mirror postgres")]
    [InlineData("mirror/postgres@sha256:0123")]
    public void AnImageThatIsNotAReferenceIsRefusedWithTheKeyAndTheValue(string reference)
    {
        var error = Assert.Throws<ArgumentException>(() => new PostgresContainerSettings().WithImage(reference));

        Assert.Contains("Postgres:Image must be [registry/]repository[:tag]", error.Message, StringComparison.Ordinal);
        Assert.Contains($"it is '{reference}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryNodeStartsThroughTheEntrypointScriptWithTheSharedServerSettings()
    {
        await using var app = await AppModel.BuildAsync("--Postgres:Runtime=Container", "--Postgres:Durability=Sync");

        foreach (var name in NodeNames)
        {
            var node = app.Resource<ContainerResource>(name);
            Assert.Equal("sh", node.Entrypoint);

            var mount = Assert.Single(node.Annotations.OfType<ContainerMountAnnotation>(), mount => mount.Target == ReplicaSetScripts.ContainerDirectory);
            Assert.Equal(ContainerMountType.BindMount, mount.Type);
            Assert.True(mount.IsReadOnly);
            Assert.True(File.Exists(Path.Combine(mount.Source!, ReplicaSetScripts.NodeEntrypoint)), $"{mount.Source} is mounted but has no {ReplicaSetScripts.NodeEntrypoint}.");

            var arguments = await AppModel.ArgumentsOf(node);
            Assert.Equal($"{ReplicaSetScripts.ContainerDirectory}/{ReplicaSetScripts.NodeEntrypoint}", arguments[0]);
            var settings = arguments.Skip(1).Where((_, index) => index % 2 == 1).ToList();
            Assert.All(arguments.Skip(1).Where((_, index) => index % 2 == 0), flag => Assert.Equal("-c", flag));
            Assert.Contains($"cluster_name={name}", settings);
            Assert.Contains("wal_level=replica", settings);
            Assert.Contains("hot_standby=on", settings);
            Assert.Contains("password_encryption=scram-sha-256", settings);
            var others = string.Join(", ", NodeNames.Where(other => other != name).Select(other => $"\"{other}\""));
            Assert.Contains($"synchronous_standby_names=ANY 1 ({others})", settings);
        }
    }

    [Fact]
    public async Task ThePrimaryBootstrapsTheSetFromItsInitFilesAndNoSecretIsLiteral()
    {
        await using var app = await AppModel.BuildAsync("--Postgres:Runtime=Container");
        var primary = app.Resource<PostgresServerResource>("pg-0");

        var initFiles = Assert.Single(primary.Annotations.OfType<ContainerFileSystemCallbackAnnotation>());
        Assert.Equal("/docker-entrypoint-initdb.d", initFiles.DestinationPath);
        var initDirectory = Path.Combine(ReplicaSetScripts.Directory, ReplicaSetScripts.InitFiles);
        var hba = await File.ReadAllTextAsync(Path.Combine(initDirectory, "10-replication-hba.sh"), TestContext.Current.CancellationToken);
        Assert.Contains("host replication $REPLICATION_USER all scram-sha-256", hba, StringComparison.Ordinal);
        var bootstrap = await File.ReadAllTextAsync(Path.Combine(initDirectory, "20-replica-set.sql"), TestContext.Current.CancellationToken);
        Assert.Contains(@"\getenv app_password APP_PASSWORD", bootstrap, StringComparison.Ordinal);
        Assert.Contains("WITH LOGIN REPLICATION PASSWORD :'replication_password'", bootstrap, StringComparison.Ordinal);

        var environment = await AppModel.EnvironmentOf(primary);
        Assert.Equal("scram-sha-256", environment["POSTGRES_HOST_AUTH_METHOD"]);
        Assert.Equal("{pg-superuser-password.value}", environment["POSTGRES_PASSWORD"]);
        Assert.Equal("{pg-replication-password.value}", environment["REPLICATION_PASSWORD"]);
        Assert.Equal("{pg-app-password.value}", environment["APP_PASSWORD"]);
        Assert.Equal("app", environment["APP_USER"]);
        Assert.Equal("usersdb", environment["DATABASES"]);
        Assert.Equal("pg_1 pg_2", environment["REPLICA_SLOTS"]);
        Assert.Equal("true", environment["INITIAL_PRIMARY"]);
    }

    [Fact]
    public async Task EachNodeKnowsItsSlotAndEveryOtherNode()
    {
        await using var app = await AppModel.BuildAsync("--Postgres:Runtime=Container");

        foreach (var name in NodeNames)
        {
            var environment = await AppModel.EnvironmentOf(app.Resource<ContainerResource>(name));
            Assert.Equal(name, environment["NODE_NAME"]);
            Assert.Equal(name.Replace('-', '_'), environment["REPLICATION_SLOT"]);
            Assert.Equal("replicator", environment["REPLICATION_USER"]);
            Assert.Equal(name == "pg-0" ? "true" : "false", environment["INITIAL_PRIMARY"]);
            var expected = NodeNames.Where(other => other != name).Select(other => $"{{{other}.bindings.tcp.host}}:{{{other}.bindings.tcp.port}}");
            Assert.Equal(string.Join(' ', expected), environment["OTHER_NODES"]);
        }
    }

    [Fact]
    public async Task EveryNodeListensOn5432WithHealthCheckAndReplicationCommands()
    {
        await using var app = await AppModel.BuildAsync("--Postgres:Runtime=Container");

        foreach (var name in NodeNames)
        {
            var node = app.Resource<ContainerResource>(name);
            var endpoint = Assert.Single(node.Annotations.OfType<EndpointAnnotation>());
            Assert.Equal("tcp", endpoint.Name);
            Assert.Equal(5432, endpoint.TargetPort);
            Assert.Contains(node.Annotations.OfType<HealthCheckAnnotation>(), check => check.Key == $"{name}_node_check");
            var commands = node.Annotations.OfType<ResourceCommandAnnotation>().Select(command => command.Name).ToList();
            Assert.Contains(PostgresNodeCommands.Switchover, commands);
            Assert.Contains(PostgresNodeCommands.Failover, commands);
            Assert.Contains(PostgresNodeCommands.Rejoin, commands);
            Assert.Contains(PostgresNodeCommands.KillPostmaster, commands);
        }
    }

    [Fact]
    public async Task UsersdbNamesEveryNodeAndBothServicesReferenceIt()
    {
        await using var app = await AppModel.BuildAsync("--Postgres:Runtime=Container", "--Postgres:Replicas=4");

        var usersdb = app.Resource<PostgresReplicaSetDatabaseResource>("usersdb");
        var hosts = string.Join(',', Enumerable.Range(0, 5).Select(index => $"{{pg-{index}.bindings.tcp.host}}:{{pg-{index}.bindings.tcp.port}}"));
        Assert.Equal($"Host={hosts};Database=usersdb;Username=app;Password={{pg-app-password.value}}", usersdb.ConnectionStringExpression.ValueExpression);

        foreach (var service in new[] { "primaryservice", "backupservice" })
        {
            var environment = await AppModel.EnvironmentOf(app.Resource<ProjectResource>(service));
            Assert.Equal("{usersdb.connectionString}", environment["ConnectionStrings__usersdb"]);
        }
    }

    [Fact]
    public async Task DataVolumesCanBeNamedAfterAPrefix()
    {
        await using var app = await AppModel.BuildAsync("--Postgres:Runtime=Container", "--Postgres:DataVolumes=true", "--Postgres:DataVolumePrefix=orders");

        Assert.All(NodeNames, name => Assert.Equal($"orders-{name}-data", Assert.Single(
            app.Resource<ContainerResource>(name).Annotations.OfType<ContainerMountAnnotation>(), mount => mount.Type == ContainerMountType.Volume).Source));
    }

    [Fact]
    public async Task DataVolumesAreOptional()
    {
        await using (var without = await AppModel.BuildAsync("--Postgres:Runtime=Container"))
        {
            Assert.All(NodeNames, name => Assert.DoesNotContain(
                without.Resource<ContainerResource>(name).Annotations.OfType<ContainerMountAnnotation>(), mount => mount.Type == ContainerMountType.Volume));
        }

        await using var with = await AppModel.BuildAsync("--Postgres:Runtime=Container", "--Postgres:DataVolumes=true");
        var volumes = NodeNames.Select(name => Assert.Single(
            with.Resource<ContainerResource>(name).Annotations.OfType<ContainerMountAnnotation>(), mount => mount.Type == ContainerMountType.Volume)).ToList();
        Assert.All(volumes, volume => Assert.Equal("/var/lib/postgresql", volume.Target));
        Assert.Equal(NodeNames.Length, volumes.Select(volume => volume.Source).Distinct().Count());
    }
}
