using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Replication.Contracts;
using Replication.ServiceDefaults;

namespace Replication.UsersApi;

public static class UsersApiExtensions
{
    public const string ConnectionName = ResourceNames.UsersDatabase;

    /// <summary>
    /// Registers the users API: the multi-host <c>usersdb</c> data source, read/write routing,
    /// the schema migration, the request rules and the error handling shared by primaryservice and backupservice.
    /// </summary>
    public static TBuilder AddUsersApi<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddNpgsqlDataSource(ConnectionName, configureDataSourceBuilder: dataSource =>
        {
            var settings = dataSource.ConnectionStringBuilder;
            settings.LoadBalanceHosts = true;
            // A failed node is retried after a second, not the default ten, so a promoted replica is found quickly.
            settings.HostRecheckSeconds = 1;
            settings.Timeout = 3;
            settings.CommandTimeout = 10;
            settings.MaxPoolSize = Admission.MaxPoolSize;
        });

        builder.Services.AddSingleton<UsersDatabase>();
        builder.Services.AddSingleton<DatabaseRetries>();
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddHostedService<SchemaMigration>();
        builder.Services.AddExceptionHandler<DatabaseExceptionHandler>();
        builder.Services.AddRequestRules();
        builder.Services.AddAdmission(builder.Configuration);
        return builder;
    }

    /// <summary>Maps the users routes, and stamps every response with the name of the service that served it.</summary>
    public static WebApplication MapUsersApi(this WebApplication app)
    {
        var serviceName = app.Configuration["OTEL_SERVICE_NAME"] ?? app.Environment.ApplicationName;
        app.Use((context, next) =>
        {
            // OnStarting, so the header survives the exception handler clearing the response for a problem+json.
            context.Response.OnStarting(() =>
            {
                context.Response.Headers[ReplicationHeaders.ServedBy] = serviceName;
                return Task.CompletedTask;
            });
            return next(context);
        });

        app.UseRateLimiter();
        app.MapUserEndpoints();
        return app;
    }
}
