using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Replication.Tests.Kit;

namespace Replication.Tests.ContainerRuntime;

/// <summary>
/// A published manifest deployed with no AppHost at all, as a deployment tool would: each resource's container is
/// started with <c>docker run</c> from the manifest's own values (image, entrypoint, arguments, environment, bind
/// mounts) on one network of its own, where the containers reach each other by resource name on their target ports, as
/// in a compose file. The parameters get fresh values, as a deployment would generate them. Everything it starts it
/// removes when disposed.
/// </summary>
public sealed partial class ManifestDeployment : IAsyncDisposable
{
    private readonly string output;
    private readonly string network;
    private readonly JsonDocument manifest;
    private readonly List<string> containers = [];
    private bool networkCreated;

    private ManifestDeployment(string output, string text)
    {
        this.output = output;
        network = $"deploy-{Guid.NewGuid():N}"[..15];
        manifest = JsonDocument.Parse(text);
        Secrets = Resources.EnumerateObject().Where(resource => resource.Value.GetProperty("type").GetString() == "parameter.v0")
            .ToDictionary(resource => resource.Name, _ => Guid.NewGuid().ToString("N"));
    }

    /// <summary>The manifest's <c>resources</c>.</summary>
    public JsonElement Resources => manifest.RootElement.GetProperty("resources");

    /// <summary>The value each parameter (the passwords) is deployed with.</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; }

    /// <summary>Where the test reaches each started resource: a port published on loopback, by endpoint name.</summary>
    public Dictionary<(string Resource, string Endpoint), (string Host, int Port)> Published { get; } = [];

    /// <summary>Publishes the AppHost's manifest with <paramref name="arguments"/> and creates the deployment's network.</summary>
    public static async Task<ManifestDeployment> PublishAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var output = Directory.CreateTempSubdirectory("manifest-deploy-").FullName;
        try
        {
            var (text, _) = await TheAppHost.Process.PublishManifestAsync(Path.Combine(output, "aspire-manifest.json"), arguments, cancellationToken);
            var deployment = new ManifestDeployment(output, text);
            await ContainerEngine.RunAsync(["network", "create", deployment.network], cancellationToken: cancellationToken);
            deployment.networkCreated = true;
            return deployment;
        }
        catch
        {
            Directory.Delete(output, recursive: true);
            throw;
        }
    }

    /// <summary>The names of the resources of one manifest type (<c>container.v0</c>, …) matching <paramref name="name"/>.</summary>
    public IReadOnlyList<string> ResourcesNamed(Regex name) =>
        [.. Resources.EnumerateObject().Where(resource => name.IsMatch(resource.Name)).Select(resource => resource.Name).Order(StringComparer.Ordinal)];

    /// <summary>
    /// <c>docker run</c> of one resource from its manifest entry; every binding's target port is published on loopback
    /// (<see cref="Published"/>).
    /// </summary>
    public async Task RunAsync(string resourceName, CancellationToken cancellationToken)
    {
        var resource = Resources.GetProperty(resourceName);
        var container = ContainerName(resourceName);
        List<string> arguments = ["run", "--detach", "--name", container, "--network", network, "--network-alias", resourceName];
        foreach (var binding in Bindings(resourceName))
        {
            arguments.AddRange(["--publish", $"127.0.0.1::{binding.TargetPort}"]);
        }

        if (resource.TryGetProperty("entrypoint", out var entrypoint))
        {
            arguments.AddRange(["--entrypoint", entrypoint.GetString()!]);
        }

        if (resource.TryGetProperty("env", out var environment))
        {
            foreach (var variable in environment.EnumerateObject())
            {
                arguments.AddRange(["--env", $"{variable.Name}={InsideTheNetwork(variable.Value.GetString()!)}"]);
            }
        }

        if (resource.TryGetProperty("bindMounts", out var mounts))
        {
            foreach (var mount in mounts.EnumerateArray())
            {
                var source = Path.GetFullPath(Path.Combine(output, mount.GetProperty("source").GetString()!));
                var readOnly = mount.TryGetProperty("readOnly", out var flag) && flag.GetBoolean() ? ":ro" : "";
                arguments.AddRange(["--volume", $"{source}:{mount.GetProperty("target").GetString()}{readOnly}"]);
            }
        }

        arguments.Add(resource.GetProperty("image").GetString()!);
        if (resource.TryGetProperty("args", out var args))
        {
            arguments.AddRange(args.EnumerateArray().Select(argument => InsideTheNetwork(argument.GetString()!)));
        }

        await ContainerEngine.RunAsync(arguments, cancellationToken: cancellationToken);
        containers.Add(container);
        await PublishedPortsAsync(resourceName, cancellationToken);
    }

    /// <summary>Crashes a resource's container (SIGKILL of its main process, as a machine's loss would).</summary>
    public Task KillAsync(string resourceName, CancellationToken cancellationToken) =>
        ContainerEngine.RunAsync(["kill", "--signal", "KILL", ContainerName(resourceName)], cancellationToken: cancellationToken);

    /// <summary>Starts a stopped resource's container again, on the data it had; its published ports may change.</summary>
    public async Task StartAsync(string resourceName, CancellationToken cancellationToken)
    {
        await ContainerEngine.RunAsync(["start", ContainerName(resourceName)], cancellationToken: cancellationToken);
        await PublishedPortsAsync(resourceName, cancellationToken);
    }

    /// <summary>
    /// A connection to a node's published port, as <paramref name="user"/> with the password the deployment generated for
    /// <paramref name="passwordParameter"/>, once the node accepts one: a node initialises its data, or waits for its
    /// primary, before it listens.
    /// </summary>
    public async Task<NpgsqlConnection> OpenWhenReadyAsync(
        string node, string user, string passwordParameter, string database, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (host, port) = Published[(node, "tcp")];
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = host, Port = port, Username = user, Password = Secrets[passwordParameter], Database = database, Pooling = false, Timeout = 5,
        }.ConnectionString);
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
        }, timeout, TimeSpan.FromMilliseconds(500), $"{node} ({host}:{port}) to accept connections", cancellationToken);
        return connection;
    }

    /// <summary>A connection string of the manifest (e.g. the database's), with the addresses this test reaches the containers at.</summary>
    public string ConnectionStringOf(string resourceName) =>
        Resolve(Resources.GetProperty(resourceName).GetProperty("connectionString").GetString()!,
            (resource, endpoint, part) => part == "host" ? Published[(resource, endpoint)].Host : $"{Published[(resource, endpoint)].Port}");

    /// <summary>The last lines each container printed, for a failure message.</summary>
    public async Task<string> LogsAsync(CancellationToken cancellationToken)
    {
        var logs = new List<string>();
        foreach (var container in containers)
        {
            var result = await CommandRunner.RunAsync(ContainerEngine.Configured, ["logs", "--tail", "20", container], TimeSpan.FromSeconds(20), cancellationToken);
            logs.Add($"--- {container}\n{result.StandardOutput}{result.StandardError}");
        }

        return string.Join('\n', logs);
    }

    public async ValueTask DisposeAsync()
    {
        if (containers.Count > 0)
        {
            await ContainerEngine.RunAsync(["rm", "--force", "--volumes", .. containers]);
        }

        if (networkCreated)
        {
            await ContainerEngine.RunAsync(["network", "rm", network]);
        }

        manifest.Dispose();
        Directory.Delete(output, recursive: true);
    }

    private string ContainerName(string resourceName) => $"{network}-{resourceName}";

    private IEnumerable<(string Name, int TargetPort)> Bindings(string resourceName) =>
        Resources.GetProperty(resourceName).TryGetProperty("bindings", out var bindings)
            ? bindings.EnumerateObject().Select(binding => (binding.Name, binding.Value.GetProperty("targetPort").GetInt32()))
            : [];

    private async Task PublishedPortsAsync(string resourceName, CancellationToken cancellationToken)
    {
        foreach (var (name, targetPort) in Bindings(resourceName))
        {
            var address = (await ContainerEngine.RunAsync(["port", ContainerName(resourceName), $"{targetPort}/tcp"], cancellationToken: cancellationToken))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)[0].Trim();
            Published[(resourceName, name)] = (address[..address.LastIndexOf(':')], int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
        }
    }

    /// <summary>A value as the containers see it: another resource by its name, on its target port.</summary>
    private string InsideTheNetwork(string value) =>
        Resolve(value, (resource, endpoint, part) => part switch
        {
            "host" => resource,
            "port" or "targetPort" => $"{Bindings(resource).Single(binding => binding.Name == endpoint).TargetPort}",
            _ => $"{resource}:{Bindings(resource).Single(binding => binding.Name == endpoint).TargetPort}",
        });

    /// <summary>
    /// Replaces the manifest's placeholders: <c>{resource.bindings.endpoint.part}</c> through <paramref name="binding"/>,
    /// <c>{parameter.value}</c> with the deployment's secret. Any other placeholder is a value this deployment cannot supply.
    /// </summary>
    private string Resolve(string value, Func<string, string, string, string> binding) =>
        Placeholder().Replace(value, match => match.Groups["endpoint"].Success
            ? binding(match.Groups["resource"].Value, match.Groups["endpoint"].Value, match.Groups["part"].Value)
            : Secrets.TryGetValue(match.Groups["resource"].Value, out var secret) && match.Groups["property"].Value == "value"
                ? secret
                : throw new InvalidOperationException($"The manifest refers to {match.Value}, which this deployment cannot supply."));

    [GeneratedRegex(@"\{(?<resource>[A-Za-z0-9-]+)\.(?:bindings\.(?<endpoint>[A-Za-z0-9-]+)\.(?<part>host|port|targetPort|url)|(?<property>[A-Za-z]+))\}")]
    private static partial Regex Placeholder();
}
