using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Replication.ServiceDefaults;

namespace Replication.UsersApi;

/// <summary>
/// The whole host of a users service. primaryservice and backupservice are two deployments of it,
/// so they cannot drift apart.
/// </summary>
public static class UsersServiceHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        builder.AddServiceDefaults();
        builder.AddFaultInjection();
        builder.AddUsersApi();

        var app = builder.Build();

        app.MapDefaultEndpoints();
        app.UseFaultInjection();
        app.MapUsersApi();

        return app;
    }
}
