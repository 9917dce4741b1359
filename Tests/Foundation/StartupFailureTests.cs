using Replication.Tests.Kit;

namespace Replication.Tests.Foundation;

/// <summary>What the machine lacks stops the AppHost at once, with one line saying what to do, and no stack trace.</summary>
[Collection(RunsAlone.Name)]
public sealed class StartupFailureTests
{
    [Fact]
    public async Task WithoutPostgresBinaries_TheAppHostExitsWithAClearMessageAndNoStackTrace()
    {
        var (exitCode, text) = await RunAppHostAsync(["--Postgres:BinDirectory=/nonexistent/postgresql/bin"], AppHostProcess.OnFreePorts);

        Assert.Equal(1, exitCode);
        Assert.Contains("PostgreSQL server binaries were not found", text, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y postgresql", text, StringComparison.Ordinal);
        AssertNoStackTrace(text);
    }

    [Fact]
    public async Task WhenTheRunDirectoryCannotBeMade_TheAppHostExitsWithOneLineNamingIt()
    {
        // Another user's leftover in a shared temp directory, as the AppHost finds it: its run directory root is taken.
        var temp = Directory.CreateTempSubdirectory("replication-tmp-");
        try
        {
            var blocked = Path.Combine(temp.FullName, $"replication-postgres-{Posix.EffectiveUserId()}");
            await File.WriteAllTextAsync(blocked, "not a directory", TestContext.Current.CancellationToken);

            var (exitCode, text) = await RunAppHostAsync([], new Dictionary<string, string>(AppHostProcess.OnFreePorts) { ["TMPDIR"] = temp.FullName });

            Assert.Equal(1, exitCode);
            Assert.Contains($"Creating the PostgreSQL run directory failed: The PostgreSQL run directory root {blocked} cannot be used", text, StringComparison.Ordinal);
            AssertNoStackTrace(text);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ContainerWithoutAnEngine_TheAppHostExitsWithAClearMessageAndNoStackTrace()
    {
        var (exitCode, text) = await TheAppHost.Process.RunAsync(
            ["--Postgres:Runtime=Container", "--Gateway:Port=0"],
            new Dictionary<string, string>(AppHostProcess.OnFreePorts) { ["ASPIRE_CONTAINER_RUNTIME"] = "/nonexistent/docker" },
            TimeSpan.FromSeconds(90),
            TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        var line = Assert.Single(text.Split('\n'), line => line.Contains("Postgres:Runtime is Container, but the container runtime", StringComparison.Ordinal));
        Assert.Contains("'/nonexistent/docker' did not answer", line, StringComparison.Ordinal);
        Assert.Contains("--Postgres:Runtime=Process", line, StringComparison.Ordinal);
        AssertNoStackTrace(text);
    }

    [Fact]
    public async Task WithAScriptMissingFromTheBuildOutput_TheAppHostExitsWithOneLineNamingIt()
    {
        // A copy of the AppHost's build output that lost a script, as a package whose build targets did not run would leave it.
        var copy = Directory.CreateTempSubdirectory("replication-apphost-");
        try
        {
            var appHost = BuiltProjects.AssemblyOf(Projects.Replication_AppHost.ProjectPath);
            CopyDirectory(Path.GetDirectoryName(appHost)!, copy.FullName);
            File.Delete(Path.Combine(copy.FullName, "PostgresReplicaSet", "Scripts", "node-entrypoint.sh"));

            var result = await CommandRunner.RunAsync(
                new CommandLine("dotnet", [Path.Combine(copy.FullName, Path.GetFileName(appHost)), "--Postgres:Runtime=Process", "--Gateway:Port=0"])
                {
                    WorkingDirectory = copy.FullName,
                    Environment = AppHostProcess.OnFreePorts.ToDictionary(variable => variable.Key, variable => (string?)variable.Value),
                },
                TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);
            var text = result.StandardOutput + result.StandardError;

            Assert.Equal(1, result.ExitCode);
            var line = Assert.Single(text.Split('\n'), line => line.Contains("The replica set's scripts are missing from", StringComparison.Ordinal));
            Assert.Contains("(node-entrypoint.sh)", line, StringComparison.Ordinal);
            Assert.Contains("Reference the Replication.Hosting package", line, StringComparison.Ordinal);
            AssertNoStackTrace(text);
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    /// <summary>A key that the chosen runtime or HA manager would ignore, or a value out of range, stops the AppHost in one line.</summary>
    [Theory]
    [InlineData("--Postgres:Runtime=Process --Postgres:DataVolumes=true", "Postgres:DataVolumes applies to Postgres:Runtime=Container")]
    [InlineData("--Postgres:HaManager=Patroni --Postgres:FailoverAfter=00:00:05", "Postgres:FailoverAfter applies to Postgres:HaManager=Supervisor")]
    [InlineData("--Postgres:EtcdMembers=3", "Postgres:EtcdMembers applies to Postgres:HaManager=Patroni")]
    [InlineData("--Postgres:Replicas=9", "Postgres:Replicas must be between 0 and 5; it is 9.")]
    [InlineData("--Postgres:HaManager=Etcd", "Postgres:HaManager must be Supervisor or Patroni; it is 'Etcd'.")]
    public async Task ASettingThatDoesNotApplyOrIsOutOfRange_StopsTheAppHostWithOneLineNamingIt(string arguments, string expected)
    {
        var (exitCode, text) = await TheAppHost.Process.RunAsync([.. arguments.Split(' '), "--Gateway:Port=0"], AppHostProcess.OnFreePorts,
            TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        Assert.Single(text.Split('\n'), line => line.Contains(expected, StringComparison.Ordinal));
        AssertNoStackTrace(text);
    }

    private static Task<(int ExitCode, string Output)> RunAppHostAsync(string[] arguments, IReadOnlyDictionary<string, string> environment) =>
        TheAppHost.Process.RunAsync([.. arguments, "--Postgres:Runtime=Process", "--Gateway:Port=0"], environment, TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);

    private static void CopyDirectory(string source, string target)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }

    private static void AssertNoStackTrace(string text)
    {
        Assert.DoesNotContain("Unhandled exception", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }
}
