using System.Reflection;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Lifecycle;

namespace Aspire.Hosting;

/// <summary>Projects started from what the AppHost's build already built, without a <c>dotnet run</c> in front of each.</summary>
public static class BuiltProjectLaunchExtensions
{
    /// <summary>
    /// Starts every project resource from its build output (<c>dotnet bin/&lt;configuration&gt;/&lt;tfm&gt;/&lt;project&gt;.dll</c>),
    /// in its project's directory, as <c>dotnet run --no-build</c> would, but without it: Aspire otherwise starts each
    /// project through <c>dotnet run</c>, which evaluates the project with MSBuild before it starts the program, a
    /// second or two of CPU per project on every start and restart. The AppHost's build builds the projects it
    /// references, so their output is current whenever the AppHost runs. The resources stay projects (the dashboard,
    /// references, service discovery and publishing are unchanged); a project whose program is not found where
    /// expected (another output path), and every project under an IDE's debug session or <c>dotnet watch</c>, keeps
    /// Aspire's <c>dotnet run</c>.
    /// </summary>
    /// <param name="builder">The AppHost's builder.</param>
    /// <returns>The same builder.</returns>
    public static IDistributedApplicationBuilder StartProjectsFromBuildOutput(this IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.ExecutionContext.IsRunMode || !string.IsNullOrEmpty(builder.Configuration["DEBUG_SESSION_PORT"])
            || string.Equals(builder.Configuration["DOTNET_WATCH"], "1", StringComparison.Ordinal)
            || string.Equals(builder.Configuration["DOTNET_WATCH"], "true", StringComparison.OrdinalIgnoreCase))
        {
            return builder;
        }

        var configuration = builder.AppHostAssembly?.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration;
        builder.Eventing.Subscribe<BeforeStartEvent>((start, _) =>
        {
            foreach (var project in start.Model.Resources.OfType<ProjectResource>())
            {
                if (!project.HasAnnotationOfType<ExecutableAnnotation>() && BuiltProgram.Find(project.GetProjectMetadata().ProjectPath, configuration) is { } program)
                {
                    project.Annotations.Add(new ExecutableAnnotation { Command = "dotnet", WorkingDirectory = program.WorkingDirectory });
                    // First, before the project's own arguments: what follows the assembly is the program's.
                    project.Annotations.Add(new CommandLineArgsCallbackAnnotation(arguments =>
                    {
                        arguments.Args.Insert(0, program.Assembly);
                        return Task.CompletedTask;
                    }));
                }
            }

            return Task.CompletedTask;
        });
        return builder;
    }
}
