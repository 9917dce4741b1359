using Replication.AppHost;
using Replication.Contracts;

var builder = DistributedApplication.CreateBuilder(args);
builder.AddBootTimeline(); // Once the graph is ready, prints where its boot's time went.
builder.AddPromptHealthChecks(); // Healthy as soon as it is, not at Aspire's next check up to 5 s later.
builder.StartProjectsFromBuildOutput(); // dotnet <project>.dll from the AppHost's build, not dotnet run, per project.

// Infrastructure: a PostgreSQL primary (pg-0) with streaming replicas (pg-1 … pg-N), as the Postgres section says.
var usersDb = builder.AddPostgresReplicaSet(ResourceNames.ReplicaSet, PostgresConfiguration.From(builder.Configuration))
    .AddDatabase(ResourceNames.UsersDatabase);

// Services: two deployments of the same users API; writes go to the primary, reads to replicas.
var primaryService = builder.AddProject<Projects.Replication_PrimaryService>(ResourceNames.PrimaryService)
    .WithReference(usersDb)
    .WaitFor(usersDb)
    .WithHttpHealthCheck(ServicePaths.Health)
    .WithDirectEndpoint()
    .WithServiceFaultCommands();

var backupService = builder.AddProject<Projects.Replication_BackupService>(ResourceNames.BackupService)
    .WithReference(usersDb)
    .WaitFor(usersDb)
    .WithHttpHealthCheck(ServicePaths.Health)
    .WithDirectEndpoint()
    .WithServiceFaultCommands();

// Gateway: the only external endpoint; primary first, backup on failure.
builder.AddProject<Projects.Replication_Gateway>(ResourceNames.Gateway)
    .WithReference(primaryService)
    .WithReference(backupService)
    .WaitFor(primaryService)
    .WaitFor(backupService)
    .WithHttpHealthCheck(ServicePaths.Health)
    .WithGatewayEndpoint(builder.Configuration)
    .WithGatewayStatus()
    .WithExternalHttpEndpoints();

builder.Build().Run();
