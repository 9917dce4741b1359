var builder = DistributedApplication.CreateBuilder(args);

// Infrastructure: a PostgreSQL primary (pg-0) with streaming replicas (pg-1 … pg-N).
var usersDb = builder.AddPostgresReplicaSet("pg")
    .AddDatabase("usersdb");

// Services: two deployments of the same users API; writes go to the primary, reads to replicas.
var primaryService = builder.AddProject<Projects.Replication_PrimaryService>("primaryservice")
    .WithReference(usersDb)
    .WaitFor(usersDb)
    .WithHttpHealthCheck("/health")
    .WithDirectEndpoint()
    .WithFaultCommands();

var backupService = builder.AddProject<Projects.Replication_BackupService>("backupservice")
    .WithReference(usersDb)
    .WaitFor(usersDb)
    .WithHttpHealthCheck("/health")
    .WithDirectEndpoint()
    .WithFaultCommands();

// Gateway: the only external endpoint; primary first, backup on failure.
builder.AddProject<Projects.Replication_Gateway>("gateway")
    .WithReference(primaryService)
    .WithReference(backupService)
    .WaitFor(primaryService)
    .WaitFor(backupService)
    .WithHttpHealthCheck("/health")
    .WithGatewayEndpoint(builder.Configuration)
    .WithGatewayStatus()
    .WithExternalHttpEndpoints();

builder.Build().Run();
