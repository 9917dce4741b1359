using Replication.Tests.Kit;

namespace Replication.Tests.Foundation;

/// <summary>Boots a graph of its own, because the test is about tearing it down.</summary>
[Collection(nameof(ShutdownTests))]
public sealed class ShutdownTests
{
    [Fact]
    public async Task StoppingTheGraphLeavesNoProcessAndNoDataDirectory()
    {
        var graph = new GraphFixture();
        await graph.InitializeAsync();
        var processes = GraphProcesses.Of(graph.App);
        // The process runtime runs every server from its run directory, which holds the data directories.
        var runDirectory = ((ExecutableResource)graph.Database.Nodes[0].Resource).WorkingDirectory;
        Assert.Contains(processes, process => process.CommandLine.Contains("postgres", StringComparison.Ordinal));
        Assert.True(Directory.Exists(runDirectory));

        await graph.DisposeAsync();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (processes.Any(process => ProcessTree.IsAlive(process.Pid)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        var survivors = processes.Where(process => ProcessTree.IsAlive(process.Pid)).Select(process => $"{process.Pid} {process.CommandLine}");
        Assert.Empty(survivors);
        Assert.False(Directory.Exists(runDirectory), $"{runDirectory} was left behind.");
    }
}
