using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Replication.Tests.Kit;

namespace Replication.Tests.ContainerRuntime;

/// <summary>
/// A published manifest deploys a working replica set with no AppHost at all: the node containers are started with
/// <c>docker run</c> from the manifest's own values (image, entrypoint, arguments, environment, bind mounts), as a
/// deployment tool would, and they bootstrap themselves: the replicas stream, and the application role can write.
/// </summary>
public sealed partial class ManifestDeployTests : IAsyncDisposable
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromMinutes(3);

    private readonly string output = Directory.CreateTempSubdirectory("manifest-deploy-").FullName;
    private readonly string deployment = $"deploy-{Guid.NewGuid():N}"[..15];
    private readonly List<string> containers = [];
    private bool networkCreated;

    [Fact]
    public async Task TheManifestsNodeContainersReplicateAndTheApplicationRoleCanWrite()
    {
        var unavailable = await ContainerEngine.UnavailableBecauseAsync();
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        var cancellationToken = TestContext.Current.CancellationToken;
        var image = await OfflinePostgresImage.ReferenceAsync();
        var manifestPath = Path.Combine(output, "aspire-manifest.json");
        var (text, _) = await AppHostProcess.PublishManifestAsync(manifestPath, [$"--Postgres:Image={image}", "--Postgres:Durability=Sync"], cancellationToken);
        using var manifest = JsonDocument.Parse(text);
        var resources = manifest.RootElement.GetProperty("resources");
        var nodes = resources.EnumerateObject().Where(resource => NodeName().IsMatch(resource.Name)).Select(resource => resource.Name).Order().ToList();
        Assert.Equal(["pg-0", "pg-1", "pg-2"], nodes);
        // What a deployment would generate for the parameters.
        var secrets = resources.EnumerateObject().Where(resource => resource.Value.GetProperty("type").GetString() == "parameter.v0")
            .ToDictionary(resource => resource.Name, _ => Guid.NewGuid().ToString("N"));

        await ContainerEngine.RunAsync(["network", "create", deployment], cancellationToken: cancellationToken);
        networkCreated = true;
        var published = new Dictionary<string, (string Host, int Port)>();
        foreach (var node in nodes)
        {
            published[node] = await RunAsync(node, resources, Path.GetDirectoryName(manifestPath)!, secrets, cancellationToken);
        }

        await using var primary = await OpenAsync(published["pg-0"], secrets["pg-superuser-password"], "postgres", cancellationToken);
        var streaming = await Poll.UntilAsync(async token =>
            await ScalarAsync<long>(primary, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'", token) == 2,
            SettleTimeout, TimeSpan.FromMilliseconds(500), cancellationToken);
        Assert.True(streaming, $"pg-1 and pg-2 do not both stream from pg-0. Their logs:\n{await LogsAsync(cancellationToken)}");

        // The services' connection string, as the manifest writes it, with the addresses this test reaches the nodes at.
        var usersdb = Resolve(resources.GetProperty("usersdb").GetProperty("connectionString").GetString()!,
            (resource, binding) => binding == "host" ? published[resource].Host : $"{published[resource].Port}", secrets);
        await using (var writer = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(usersdb) { TargetSessionAttributes = "read-write" }.ConnectionString))
        {
            await writer.OpenAsync(cancellationToken);
            Assert.Equal("app", await ScalarAsync<string>(writer, "SELECT current_user", cancellationToken));
            Assert.False(await ScalarAsync<bool>(writer, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user", cancellationToken));
            await ScalarAsync<object>(writer, "CREATE TABLE deployed (note text); INSERT INTO deployed VALUES ('written by app')", cancellationToken);
        }

        await using var replica = await OpenAsync(published["pg-2"], secrets["pg-app-password"], "usersdb", cancellationToken, user: "app");
        Assert.True(await Poll.UntilAsync(async token =>
        {
            try
            {
                return await ScalarAsync<string>(replica, "SELECT note FROM deployed", token) == "written by app";
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200), cancellationToken), "The application's write was not replayed on pg-2.");
    }

    public async ValueTask DisposeAsync()
    {
        if (containers.Count > 0)
        {
            await ContainerEngine.RunAsync(["rm", "--force", "--volumes", .. containers]);
        }

        if (networkCreated)
        {
            await ContainerEngine.RunAsync(["network", "rm", deployment]);
        }

        Directory.Delete(output, recursive: true);
    }

    /// <summary>
    /// <c>docker run</c> of one node from its manifest entry. Inside the deployment's network the nodes reach each other
    /// by resource name on their target port, as in a compose file; the test reaches each through a published port.
    /// </summary>
    private async Task<(string Host, int Port)> RunAsync(
        string node, JsonElement resources, string manifestDirectory, IReadOnlyDictionary<string, string> secrets, CancellationToken cancellationToken)
    {
        var resource = resources.GetProperty(node);
        int TargetPortOf(string name) => resources.GetProperty(name).GetProperty("bindings").GetProperty("tcp").GetProperty("targetPort").GetInt32();
        var targetPort = TargetPortOf(node);
        string Expand(string value) => Resolve(value, (other, binding) => binding == "host" ? other : $"{TargetPortOf(other)}", secrets);
        List<string> arguments = ["run", "--detach", "--name", $"{deployment}-{node}", "--network", deployment, "--network-alias", node,
            "--publish", $"127.0.0.1::{targetPort}", "--entrypoint", resource.GetProperty("entrypoint").GetString()!];
        foreach (var variable in resource.GetProperty("env").EnumerateObject())
        {
            arguments.AddRange(["--env", $"{variable.Name}={Expand(variable.Value.GetString()!)}"]);
        }

        foreach (var mount in resource.GetProperty("bindMounts").EnumerateArray())
        {
            var source = Path.GetFullPath(Path.Combine(manifestDirectory, mount.GetProperty("source").GetString()!));
            var readOnly = mount.TryGetProperty("readOnly", out var flag) && flag.GetBoolean() ? ":ro" : "";
            arguments.AddRange(["--volume", $"{source}:{mount.GetProperty("target").GetString()}{readOnly}"]);
        }

        arguments.Add(resource.GetProperty("image").GetString()!);
        arguments.AddRange(resource.GetProperty("args").EnumerateArray().Select(argument => Expand(argument.GetString()!)));
        await ContainerEngine.RunAsync(arguments, cancellationToken: cancellationToken);
        containers.Add($"{deployment}-{node}");

        var address = (await ContainerEngine.RunAsync(["port", $"{deployment}-{node}", $"{targetPort}/tcp"], cancellationToken: cancellationToken))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)[0].Trim();
        return (address[..address.LastIndexOf(':')], int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Replaces the manifest's placeholders: <c>{resource.bindings.tcp.host|port}</c> through <paramref name="binding"/>,
    /// <c>{parameter.value}</c> with the deployment's secret. Any other placeholder is a value this test cannot supply.
    /// </summary>
    private static string Resolve(string value, Func<string, string, string> binding, IReadOnlyDictionary<string, string> secrets) =>
        Placeholder().Replace(value, match => match.Groups["binding"].Success
            ? binding(match.Groups["resource"].Value, match.Groups["binding"].Value)
            : secrets.TryGetValue(match.Groups["resource"].Value, out var secret) && match.Groups["property"].Value == "value"
                ? secret
                : throw new InvalidOperationException($"The manifest refers to {match.Value}, which a deployment of the nodes alone cannot supply."));

    private async Task<string> LogsAsync(CancellationToken cancellationToken)
    {
        var logs = new List<string>();
        foreach (var container in containers)
        {
            var result = await CommandRunner.RunAsync(ContainerEngine.Configured, ["logs", "--tail", "20", container], TimeSpan.FromSeconds(20), cancellationToken);
            logs.Add($"--- {container}\n{result.StandardOutput}{result.StandardError}");
        }

        return string.Join('\n', logs);
    }

    private static async Task<NpgsqlConnection> OpenAsync(
        (string Host, int Port) address, string password, string database, CancellationToken cancellationToken, string user = "postgres")
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = address.Host, Port = address.Port, Username = user, Password = password, Database = database, Pooling = false, Timeout = 5,
        }.ConnectionString);
        // The first node initialises its data while the others wait for it: poll until it accepts connections.
        await Poll.UntilOrThrowAsync(async token =>
        {
            try
            {
                await connection.OpenAsync(token);
                return true;
            }
            catch (NpgsqlException)
            {
                return false;
            }
        }, SettleTimeout, TimeSpan.FromMilliseconds(500), $"{address.Host}:{address.Port} to accept connections", cancellationToken);
        return connection;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    [GeneratedRegex(@"^pg-\d+$")]
    private static partial Regex NodeName();

    [GeneratedRegex(@"\{(?<resource>[A-Za-z0-9-]+)\.(?:bindings\.tcp\.(?<binding>host|port)|(?<property>[A-Za-z]+))\}")]
    private static partial Regex Placeholder();
}
