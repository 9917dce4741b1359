using System.Net.Sockets;

namespace Replication.Testing;

/// <summary>Finds the graph's built assemblies, for tests that start a project as a plain process.</summary>
public static class BuiltProjects
{
    /// <summary>The built assembly of the project at <paramref name="projectPath"/> (its .csproj or its folder; any configuration).</summary>
    public static string AssemblyOf(string projectPath)
    {
        if (Directory.Exists(projectPath))
        {
            projectPath = Directory.GetFiles(projectPath, "*.csproj").Single();
        }

        var name = Path.GetFileNameWithoutExtension(projectPath) + ".dll";
        var bin = Path.Combine(Path.GetDirectoryName(projectPath)!, "bin");
        return Directory.GetFiles(bin, name, SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc).First();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
