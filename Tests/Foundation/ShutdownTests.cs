using Replication.Tests.Kit;

namespace Replication.Tests.Foundation;

/// <summary>Boots a graph of its own, because the test is about tearing it down.</summary>
[Collection(nameof(ShutdownTests))]
public sealed class ShutdownTests
{
    [Fact]
    public async Task StoppingTheGraphLeavesNoProcessAndNoDataDirectory()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var graph = new GraphFixture();
        IReadOnlyList<GraphProcess> processes;
        string runDirectory;
        try
        {
            await graph.InitializeAsync();
            processes = GraphProcesses.Of(graph.App);
            // The process runtime runs every server from its run directory, which holds the data directories.
            runDirectory = ((ExecutableResource)graph.Database.Nodes[0].Resource).WorkingDirectory;
            Assert.Contains(processes, process => process.CommandLine.Contains("postgres", StringComparison.Ordinal));
            Assert.True(Directory.Exists(runDirectory));
        }
        finally
        {
            await graph.StopAsync();
        }

        await Poll.UntilAsync(_ => Task.FromResult(!processes.Any(process => ProcessTree.IsAlive(process.Pid))),
            TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200), cancellationToken);

        var survivors = processes.Where(process => ProcessTree.IsAlive(process.Pid)).Select(process => $"{process.Pid} {process.CommandLine}");
        Assert.Empty(survivors);
        Assert.False(Directory.Exists(runDirectory), $"{runDirectory} was left behind.");
    }
}
