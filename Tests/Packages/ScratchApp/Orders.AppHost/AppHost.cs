var builder = DistributedApplication.CreateBuilder(args);

// Infrastructure: a PostgreSQL primary with two streaming replicas, as processes; an acknowledged write is on a standby too.
var orders = builder.AddPostgresReplicaSet("orders-pg", set => set.RunAsProcesses().WithDurability(PostgresDurability.Sync))
    .AddDatabase("ordersdb");

// Services: the orders API, writing to whichever node is primary now.
builder.AddProject<Projects.Orders>("orders")
    .WithReference(orders)
    .WaitFor(orders)
    .WithHttpHealthCheck("/health");

builder.Build().Run();
