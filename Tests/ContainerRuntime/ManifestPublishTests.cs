using System.Text.Json;
using Replication.Tests.Kit;

namespace Replication.Tests.ContainerRuntime;

/// <summary>
/// Publishing the app model (the Aspire manifest) describes the replica set as containers, with its passwords as
/// parameters: the values given to the publish run appear nowhere in the manifest.
/// </summary>
public sealed class ManifestPublishTests : IDisposable
{
    private static readonly string[] NodeNames = ["pg-0", "pg-1", "pg-2"];
    private static readonly string[] Passwords = ["pg-superuser-password", "pg-replication-password", "pg-app-password"];

    private readonly string output = Directory.CreateTempSubdirectory("manifest-").FullName;

    [Fact]
    public async Task TheManifestHoldsTheNodeContainersAndTheirSecretsOnlyAsParameters()
    {
        var secrets = Passwords.ToDictionary(name => name, name => $"Literal{name.Replace("-", "", StringComparison.Ordinal)}Value42");
        var manifestPath = Path.Combine(output, "aspire-manifest.json");

        var text = await PublishAsync(manifestPath, [.. secrets.Select(secret => $"--Parameters:{secret.Key}={secret.Value}")]);

        Assert.All(secrets.Values, secret => Assert.DoesNotContain(secret, text, StringComparison.Ordinal));
        using var manifest = JsonDocument.Parse(text);
        var resources = manifest.RootElement.GetProperty("resources");

        var images = NodeNames.Select(name =>
        {
            var node = resources.GetProperty(name);
            Assert.Equal("container.v0", node.GetProperty("type").GetString());
            Assert.Contains(node.GetProperty("bindMounts").EnumerateArray(),
                mount => mount.GetProperty("target").GetString() == "/opt/replication");
            var environment = node.GetProperty("env");
            Assert.Equal("{pg-replication-password.value}", environment.GetProperty("REPLICATION_PASSWORD").GetString());
            Assert.Equal(5432, node.GetProperty("bindings").GetProperty("tcp").GetProperty("targetPort").GetInt32());
            return node.GetProperty("image").GetString();
        }).ToList();
        Assert.StartsWith("docker.io/library/postgres:", images[0], StringComparison.Ordinal);
        Assert.All(images, image => Assert.Equal(images[0], image));
        Assert.Equal("{pg-superuser-password.value}", resources.GetProperty("pg-0").GetProperty("env").GetProperty("POSTGRES_PASSWORD").GetString());

        foreach (var password in Passwords)
        {
            var parameter = resources.GetProperty(password);
            Assert.Equal("parameter.v0", parameter.GetProperty("type").GetString());
            Assert.True(parameter.GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
        }

        var usersdb = resources.GetProperty("usersdb").GetProperty("connectionString").GetString()!;
        Assert.All(NodeNames, name => Assert.Contains($"{{{name}.bindings.tcp.host}}:{{{name}.bindings.tcp.port}}", usersdb, StringComparison.Ordinal));
        Assert.Contains("Password={pg-app-password.value}", usersdb, StringComparison.Ordinal);
        // The process runtime's helpers (initdb, pg_basebackup) and the set itself are run-time only.
        Assert.DoesNotContain(resources.EnumerateObject(), resource => resource.Name is "pg" or "pg-0-init" or "pg-1-basebackup");
    }

    public void Dispose() => Directory.Delete(output, recursive: true);

    private static async Task<string> PublishAsync(string manifestPath, IEnumerable<string> arguments)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (manifest, output) = await TheAppHost.Process.PublishManifestAsync(manifestPath, arguments, cancellationToken);
        Assert.Contains("runtime: Container (auto: publishing)", output, StringComparison.Ordinal);
        return manifest;
    }
}
