using System.Diagnostics;
using Replication.Tests.Kit;

namespace Replication.Tests.ContainerRuntime;

/// <summary>
/// <c>Postgres:Runtime=Auto</c> asks the configured container runtime (<c>docker info</c>, or the runtime named by
/// ASPIRE_CONTAINER_RUNTIME) and waits a bounded time for the answer. Stand-in runtimes are tiny shell scripts.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class RuntimeSelectionTests : IDisposable
{
    private readonly string scripts = Directory.CreateTempSubdirectory("fake-container-runtime-").FullName;

    [Fact]
    public async Task AutoPicksWhatTheMachinesContainerRuntimeAllows()
    {
        var engineAnswers = await ContainerEngine.AnswersAsync();

        await using var app = await AppModel.BuildAsync();

        // On this project's machines no engine runs, so this is Process; where docker runs, it is Container.
        TestContext.Current.TestOutputHelper?.WriteLine($"postgres.runtime = {app.RuntimeProperty}");
        var expected = engineAnswers ? "Container (auto" : "Process (auto";
        Assert.StartsWith(expected, app.RuntimeProperty, StringComparison.Ordinal);
        Assert.Equal(engineAnswers, app.Model.Resources.OfType<ContainerResource>().Any(resource => resource.Name == "pg-0"));
    }

    [Fact]
    public async Task AutoPicksContainersWhenTheRuntimeAnswers()
    {
        var answering = FakeRuntime("answers", "exit 0");

        await using var app = await AppModel.BuildAsync($"--ASPIRE_CONTAINER_RUNTIME={answering}");

        Assert.StartsWith($"Container (auto: {answering} answered in ", app.RuntimeProperty, StringComparison.Ordinal);
        Assert.IsType<PostgresServerResource>(app.ReplicaSet.Nodes[0].Resource);
    }

    [Fact]
    public async Task AutoGivesUpOnAHangingRuntimeAndPicksProcess()
    {
        // It would answer (exit 0) after a minute: "did not answer" says the probe gave up on it before that, whatever the
        // machine's speed, so no bound on the time is needed.
        var hanging = FakeRuntime("hangs", "sleep 60");
        var stopwatch = Stopwatch.StartNew();

        await using var app = await AppModel.BuildAsync($"--ASPIRE_CONTAINER_RUNTIME={hanging}");

        stopwatch.Stop();
        TestContext.Current.TestOutputHelper?.WriteLine($"Model built in {stopwatch.Elapsed.TotalSeconds:F1} s with a runtime that hangs; {app.RuntimeProperty}");
        Assert.StartsWith($"Process (auto: {hanging} did not answer, ", app.RuntimeProperty, StringComparison.Ordinal);
        Assert.IsType<ExecutableResource>(app.ReplicaSet.Nodes[0].Resource);
    }

    public void Dispose() => Directory.Delete(scripts, recursive: true);

    private string FakeRuntime(string name, string body)
    {
        var path = Path.Combine(scripts, name);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        }

        return path;
    }
}
