using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Replication.Tests.Hardening;

/// <summary>The server's first answer to a startup message: 'R' (authentication request) or 'E' (error) with its SQLSTATE.</summary>
internal sealed record StartupAnswer(char Type, string? SqlState, string? Message)
{
    public override string ToString() => Type == 'E' ? $"error {SqlState}: {Message}" : $"message '{Type}'";
}

/// <summary>
/// Sends PostgreSQL's startup message from a chosen local address, which no client library can: what pg_hba decides
/// depends on the address a connection comes from.
/// </summary>
internal static class PostgresStartup
{
    private const int ProtocolVersion3 = 3 << 16;

    public static async Task<StartupAnswer> SendAsync(IPAddress from, int port, string user, string database, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        await using var stream = new NetworkStream(socket);

        var parameters = Encoding.UTF8.GetBytes($"user\0{user}\0database\0{database}\0\0");
        var startup = new byte[8 + parameters.Length];
        BinaryPrimitives.WriteInt32BigEndian(startup, startup.Length);
        BinaryPrimitives.WriteInt32BigEndian(startup.AsSpan(4), ProtocolVersion3);
        parameters.CopyTo(startup, 8);
        await stream.WriteAsync(startup, cancellationToken);

        var header = new byte[5];
        await stream.ReadExactlyAsync(header, cancellationToken);
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
        await stream.ReadExactlyAsync(body, cancellationToken);
        var type = (char)header[0];
        return type == 'E' ? ParseError(body) : new StartupAnswer(type, null, null);
    }

    /// <summary>An ErrorResponse body: fields of a type byte and a NUL-terminated string, ended by a 0 byte.</summary>
    private static StartupAnswer ParseError(byte[] body)
    {
        var fields = new Dictionary<char, string>();
        for (var position = 0; position < body.Length && body[position] != 0;)
        {
            var end = Array.IndexOf(body, (byte)0, position + 1);
            fields[(char)body[position]] = Encoding.UTF8.GetString(body, position + 1, end - position - 1);
            position = end + 1;
        }

        return new StartupAnswer('E', fields.GetValueOrDefault('C'), fields.GetValueOrDefault('M'));
    }
}
