namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>The official image the container runtime runs when none is configured.</summary>
internal static class ContainerImages
{
    /// <summary>
    /// The image and tag Aspire.Hosting.PostgreSQL pins (its <c>PostgresContainerImageTags</c>, which it keeps internal);
    /// a test checks that <c>AddPostgres</c> still picks the same one.
    /// </summary>
    public static PostgresImage OfficialPostgres { get; } = new("docker.io", "library/postgres", "18.3");
}
