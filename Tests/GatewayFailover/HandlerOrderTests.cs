using Microsoft.Extensions.Hosting;
using Replication.Gateway;

namespace Replication.Tests.GatewayFailover;

/// <summary>
/// The failover pipeline only works if each hedged attempt is resolved by service discovery after the routing
/// strategy picked its service. Built in-process from the gateway's own registration code.
/// </summary>
public sealed class HandlerOrderTests
{
    [Fact]
    public void TheHedgingHandlerRunsOutsideServiceDiscovery_AndNoOtherResilienceHandlerRemains()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        builder.AddServiceForwarding();
        using var host = builder.Build();

        var chain = new List<string>();
        for (var handler = host.Services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(ServiceForwarder.ClientName);
             handler is DelegatingHandler delegating;
             handler = delegating.InnerHandler)
        {
            chain.Add(delegating.GetType().FullName!);
        }

        var resilience = chain.FindAll(name => name.StartsWith("Microsoft.Extensions.Http.Resilience", StringComparison.Ordinal));
        var discovery = chain.FindAll(name => name.StartsWith("Microsoft.Extensions.ServiceDiscovery", StringComparison.Ordinal));
        var order = string.Join(" → ", chain);
        // The failover pipeline is one handler; a second would be the default pipeline ConfigureHttpClientDefaults
        // adds, which retries POSTs and must be gone.
        Assert.True(resilience.Count == 1, $"Expected the failover pipeline's handler and nothing else: {order}");
        Assert.True(discovery.Count == 1, $"Expected exactly one service discovery handler: {order}");
        Assert.True(chain.LastIndexOf(resilience[^1]) < chain.IndexOf(discovery[0]), $"Service discovery must be inside the hedging handler: {order}");
    }
}
