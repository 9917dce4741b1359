namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// What a Patroni node learns from its environment (Patroni's <c>PATRONI_*</c> variables, which take precedence over
/// its file): where it listens, where etcd is, and the secrets. Aspire resolves them when the node starts.
/// </summary>
internal static class PatroniEnvironment
{
    /// <summary>The user the REST API's unsafe methods (switchover, restart, …) ask for; GET health checks stay open.</summary>
    public const string RestApiUserName = "patroni";

    public static IResourceBuilder<ExecutableResource> WithPatroniEnvironment(
        this IResourceBuilder<ExecutableResource> builder, PostgresNode node, EndpointReference restApi,
        ReferenceExpression etcdHosts, ParameterResource restApiPassword, PatroniInstallation patroni)
    {
        var replicaSet = node.Parent;
        var postgres = ReferenceExpression.Create($"127.0.0.1:{node.Endpoint.Property(EndpointProperty.TargetPort)}");
        var api = ReferenceExpression.Create($"127.0.0.1:{restApi.Property(EndpointProperty.TargetPort)}");
        return builder
            .WithEnvironment("PATRONI_POSTGRESQL_LISTEN", postgres)
            .WithEnvironment("PATRONI_POSTGRESQL_CONNECT_ADDRESS", postgres)
            .WithEnvironment("PATRONI_RESTAPI_LISTEN", api)
            .WithEnvironment("PATRONI_RESTAPI_CONNECT_ADDRESS", api)
            .WithEnvironment("PATRONI_RESTAPI_USERNAME", RestApiUserName)
            .WithEnvironment("PATRONI_RESTAPI_PASSWORD", restApiPassword)
            .WithEnvironment("PATRONI_SUPERUSER_USERNAME", PostgresReplicaSetResource.SuperuserName)
            .WithEnvironment("PATRONI_SUPERUSER_PASSWORD", replicaSet.SuperuserPassword)
            .WithEnvironment("PATRONI_REPLICATION_USERNAME", PostgresReplicaSetResource.ReplicationUserName)
            .WithEnvironment("PATRONI_REPLICATION_PASSWORD", replicaSet.ReplicationPassword)
            .WithEnvironment($"PATRONI_{patroni.DcsSection.ToUpperInvariant()}_HOSTS", etcdHosts);
    }
}
