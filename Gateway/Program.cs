// The gateway's whole host is in Gateway/GatewayHost.cs, shared with the tests and the benchmark.
Replication.Gateway.GatewayHost.Build(args).Run();
