namespace Replication.Benchmarks.Graphs;

/// <summary>A way into the graph (the gateway, the YARP baseline, or a service directly) and what the benchmark asks of it.</summary>
public sealed record EntryPoint(string Name, HttpClient Client)
{
    public Uri Address => Client.BaseAddress!;

    public static EntryPoint For(string name, Uri address) => new(name, new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(15) });

    /// <summary>Waits until a read through this entry point is served by <paramref name="service"/>, e.g. after a repair.</summary>
    public Task WaitUntilServedByAsync(string service, CancellationToken cancellationToken = default) =>
        Poll.UntilOrThrowAsync(async token =>
        {
            try
            {
                using var response = await Client.GetAsync("/users?limit=1", token);
                return response.IsSuccessStatusCode && response.Header(ReplicationHeaders.ServedBy) == service;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100), $"{Name} to serve from {service}", cancellationToken);

    /// <summary>Creates <paramref name="count"/> users and returns their paths, for GET /users/{id} load.</summary>
    public async Task<IReadOnlyList<string>> SeedUsersAsync(int count, CancellationToken cancellationToken = default)
    {
        var paths = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var user = await Client.CreateUserAsync("Benchmark user", cancellationToken);
            paths.Add($"/users/{user.Id}");
        }

        return paths;
    }
}
