using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Replication.Hosting.Faults;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Break a resource on purpose, from the dashboard or a test: Kill (SIGKILL of its process, or of its container),
/// Freeze (SIGSTOP, or <c>docker pause</c>) and Resume. For a project, its process is the service binary, not a
/// <c>dotnet run</c> wrapper in front of it: killing the wrapper is not the service crashing. The replica set's nodes have the same
/// three commands, where a node's process is everything it runs. The testing kit's faults run these commands, so a
/// fault clicked in the dashboard and one injected by a test are the same code.
/// </summary>
public static class ResourceFaultCommands
{
    /// <summary>SIGKILLs the resource's process (or its container), as a crash would.</summary>
    public const string Kill = "kill";

    /// <summary>Freezes the resource until <see cref="Resume"/>: every process of it stopped, or its container paused.</summary>
    public const string Freeze = "freeze";

    /// <summary>Lets a frozen resource run again.</summary>
    public const string Resume = "resume";

    /// <summary>On a frozen resource: what is frozen.</summary>
    public const string FrozenProperty = "faults.frozen";

    private static readonly TimeSpan EffectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Adds Kill, Freeze and Resume to a project, an executable or a container.</summary>
    /// <typeparam name="T">The resource's type.</typeparam>
    /// <param name="builder">The resource.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<T> WithFaultCommands<T>(this IResourceBuilder<T> builder)
        where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        var faults = ResourceFaults.For(builder.ApplicationBuilder);
        return builder.WithFaultCommands(faults, "Kill process", "SIGKILL the resource's process (or its container), as a crash would. It stays down until you start it again.");
    }

    /// <summary>The three commands, carried out by <paramref name="faults"/> (a resource's own process, or a replica set member's processes).</summary>
    internal static IResourceBuilder<T> WithFaultCommands<T>(this IResourceBuilder<T> builder, IResourceFaults faults, string killName, string killDescription)
        where T : IResource
    {
        var resource = builder.Resource;
        var frozen = FrozenResources.For(builder.ApplicationBuilder);
        builder.WithCommand(Kill, killName, async context =>
        {
            var killed = await faults.KillAsync(resource, context.Services, context.CancellationToken).ConfigureAwait(false);
            if (killed is null)
            {
                return CommandResults.Failure($"Nothing of {resource.Name} runs.");
            }

            await context.Services.GetRequiredService<ResourceNotificationService>().WaitForResourceAsync(resource.Name,
                    resourceEvent => resourceEvent.Snapshot.State?.Text is { } state && state != KnownResourceStates.Running && state != KnownResourceStates.Starting,
                    context.CancellationToken)
                .WaitAsync(EffectTimeout, context.CancellationToken).ConfigureAwait(false);
            context.Logger.LogWarning("Fault injected: {Resource} killed ({Killed})", resource.Name, killed);
            return CommandResults.Success($"Killed {killed}; start it to bring it back.");
        }, new CommandOptions
        {
            Description = killDescription,
            ConfirmationMessage = $"Kill {resource.Name}?",
            IconName = "Flash",
            UpdateState = context => context.ResourceSnapshot.IsRunning() ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        builder.WithCommand(Freeze, "Freeze", async context =>
        {
            var frozenNow = await faults.FreezeAsync(resource, context.Services, context.CancellationToken).ConfigureAwait(false);
            await frozen.AddAsync(resource, frozenNow, context.Services).ConfigureAwait(false);
            context.Logger.LogWarning("Fault injected: {Resource} frozen ({Frozen})", resource.Name, frozenNow.Description);
            return CommandResults.Success($"Frozen: {frozenNow.Description}. Resume it to let it run again.");
        }, new CommandOptions
        {
            Description = "Freeze it as a paused machine (SIGSTOP, or docker pause) until Resume: it answers nothing, and reads nothing it is sent.",
            ConfirmationMessage = $"Freeze {resource.Name}?",
            IconName = "Pause",
            UpdateState = context => context.ResourceSnapshot.IsRunning() && !frozen.Contains(resource) ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        builder.WithCommand(Resume, "Resume", async context =>
            await frozen.ResumeAsync(resource, context.Services).ConfigureAwait(false)
                ? CommandResults.Success($"{resource.Name} runs again.")
                : CommandResults.Failure($"{resource.Name} is not frozen."),
            new CommandOptions
            {
                Description = "Let a frozen resource run again.",
                IconName = "Play",
                UpdateState = _ => frozen.Contains(resource) ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            });

        return builder;
    }
}
