namespace Aspire.Hosting;

/// <summary>How to start a built project without <c>dotnet run</c>: <c>dotnet</c> with its assembly, in its project's directory.</summary>
internal sealed record BuiltProgram(string Assembly, string WorkingDirectory)
{
    /// <summary>
    /// The assembly in <c>bin/&lt;configuration&gt;/&lt;tfm&gt;/</c> next to <paramref name="projectPath"/>, named after the
    /// project file; null unless exactly one target framework's folder has it.
    /// </summary>
    public static BuiltProgram? Find(string projectPath, string? configuration)
    {
        var directory = Path.GetDirectoryName(projectPath);
        if (string.IsNullOrEmpty(configuration) || directory is null || !File.Exists(projectPath))
        {
            return null;
        }

        var output = Path.Combine(directory, "bin", configuration);
        var name = Path.GetFileNameWithoutExtension(projectPath);
        var assemblies = Directory.Exists(output)
            ? Directory.GetDirectories(output).Select(framework => Path.Combine(framework, name + ".dll")).Where(File.Exists).ToList()
            : [];
        return assemblies.Count == 1 ? new BuiltProgram(assemblies[0], directory) : null;
    }
}
