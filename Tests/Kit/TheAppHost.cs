namespace Replication.Tests.Kit;

/// <summary>This repository's AppHost, run as its own process (<c>dotnet run</c>, <c>dotnet publish</c>) by the kit's <see cref="AppHostProcess"/>.</summary>
public static class TheAppHost
{
    public static AppHostProcess Process { get; } = new(Projects.Replication_AppHost.ProjectPath);
}
