using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

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
        builder.AddUsersApi();

        var app = builder.Build();

        app.MapDefaultEndpoints();
        app.MapUsersApi();

        return app;
    }
}
