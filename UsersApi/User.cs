namespace Replication.UsersApi;

public sealed record User(long Id, string Name, string Email, DateTimeOffset CreatedAt);

public sealed record UserPage(IReadOnlyList<User> Items, string? Next);
