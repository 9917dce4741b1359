using System.Net;
using Microsoft.Extensions.ServiceDiscovery;

namespace Replication.Gateway;

/// <summary>
/// One service's address (<c>http://127.0.0.1:5123</c>), resolved by service discovery once and again each time its
/// endpoints change (the change token of <see cref="ServiceEndpointResolver"/>'s answer, e.g. a configuration reload),
/// not on every attempt. Reading it is a field read.
/// </summary>
public sealed partial class ServiceAddress
{
    private readonly ServiceEndpointResolver resolver;
    private readonly ILogger logger;
    private readonly Uri service;
    private readonly Lock gate = new();
    private Task<string>? firstResolution;
    private volatile string? current;

    public ServiceAddress(Uri service, ServiceEndpointResolver resolver, ILogger logger)
    {
        this.service = service;
        this.resolver = resolver;
        this.logger = logger;
        Name = service.Host;
    }

    /// <summary>The service's name, as the AppHost and <c>X-Served-By</c> spell it.</summary>
    public string Name { get; }

    /// <summary>Scheme, host and port to send the service's requests to.</summary>
    public ValueTask<string> GetAsync(CancellationToken cancellationToken) =>
        current is { } address ? new(address) : new(FirstResolutionAsync(cancellationToken));

    private Task<string> FirstResolutionAsync(CancellationToken cancellationToken)
    {
        Task<string> resolving;
        // Only until the first answer: afterwards no request gets here.
        lock (gate)
        {
            if (firstResolution is null || firstResolution.IsFaulted)
            {
                firstResolution = ResolveAsync(CancellationToken.None);
            }

            resolving = firstResolution;
        }

        return resolving.WaitAsync(cancellationToken);
    }

    private async Task<string> ResolveAsync(CancellationToken cancellationToken)
    {
        var endpoints = await resolver.GetEndpointsAsync(service.GetLeftPart(UriPartial.Authority), cancellationToken);
        if (endpoints.Endpoints.Count == 0)
        {
            throw new InvalidOperationException($"Service discovery found no endpoint for {Name}.");
        }

        var address = AddressOf(endpoints.Endpoints[0].EndPoint);
        var previous = current;
        current = address;
        if (previous is not null && previous != address)
        {
            LogMoved(logger, Name, previous, address);
        }

        endpoints.ChangeToken.RegisterChangeCallback(static state => _ = ((ServiceAddress)state!).ResolveAgainAsync(), this);
        return address;
    }

    private async Task ResolveAgainAsync()
    {
        try
        {
            await ResolveAsync(CancellationToken.None);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The last address stays in use; a later change tries again.
            LogResolutionFailed(logger, Name, exception.Message);
        }
    }

    private string AddressOf(EndPoint endpoint) => endpoint switch
    {
        UriEndPoint { Uri: var uri } => uri.GetLeftPart(UriPartial.Authority),
        IPEndPoint ip => new UriBuilder(service.Scheme, ip.Address.ToString(), ip.Port).Uri.GetLeftPart(UriPartial.Authority),
        DnsEndPoint dns => new UriBuilder(service.Scheme, dns.Host, dns.Port > 0 ? dns.Port : -1).Uri.GetLeftPart(UriPartial.Authority),
        _ => throw new InvalidOperationException($"Endpoints of type {endpoint.GetType()} are not supported."),
    };

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "{Service} moved from {Previous} to {Current}")]
    private static partial void LogMoved(ILogger logger, string service, string previous, string current);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Could not resolve {Service} again, keeping its last address: {Message}")]
    private static partial void LogResolutionFailed(ILogger logger, string service, string message);
}
