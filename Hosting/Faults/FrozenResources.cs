using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Replication.Hosting.Faults;

/// <summary>
/// The app's frozen resources, until Resume; all of them run again when the AppHost stops: a paused container cannot be
/// stopped, and a stopped process ignores the signal that would stop it. One per app builder.
/// </summary>
internal sealed class FrozenResources
{
    private static readonly ConditionalWeakTable<IDistributedApplicationBuilder, FrozenResources> PerBuilder = new();

    private readonly ConcurrentDictionary<string, FrozenMember> frozen = new();

    public static FrozenResources For(IDistributedApplicationBuilder builder) => PerBuilder.GetValue(builder, _ =>
    {
        var resources = new FrozenResources();
        builder.Eventing.Subscribe<BeforeStartEvent>((startEvent, _) =>
        {
            startEvent.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() =>
            {
                foreach (var name in resources.frozen.Keys)
                {
                    if (resources.frozen.TryRemove(name, out var member))
                    {
                        member.ResumeAsync().GetAwaiter().GetResult();
                    }
                }
            });
            return Task.CompletedTask;
        });
        return resources;
    });

    public bool Contains(IResource resource) => frozen.ContainsKey(resource.Name);

    public async Task AddAsync(IResource resource, FrozenMember member, IServiceProvider services)
    {
        frozen[resource.Name] = member;
        await Publish(resource, member.Description, services).ConfigureAwait(false);
    }

    public async Task<bool> ResumeAsync(IResource resource, IServiceProvider services)
    {
        if (!frozen.TryRemove(resource.Name, out var member))
        {
            return false;
        }

        await member.ResumeAsync().ConfigureAwait(false);
        await Publish(resource, null, services).ConfigureAwait(false);
        return true;
    }

    private static Task Publish(IResource resource, string? description, IServiceProvider services) =>
        services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(resource, snapshot => snapshot with
        {
            Properties = snapshot.Properties.WithProperty(ResourceFaultCommands.FrozenProperty, description),
        });
}
