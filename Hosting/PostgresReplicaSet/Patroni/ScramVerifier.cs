using System.Security.Cryptography;
using System.Text;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A password as PostgreSQL stores it with <c>password_encryption = scram-sha-256</c> (RFC 5802/7677):
/// <c>SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey</c>. <c>CREATE ROLE … PASSWORD</c> takes such a verifier as it
/// is, so Patroni's bootstrap script can create the application role without the password appearing anywhere.
/// </summary>
internal static class ScramVerifier
{
    private const int Iterations = 4096; // PostgreSQL's scram_iterations default.

    public static string For(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
        var storedKey = SHA256.HashData(HMACSHA256.HashData(salted, "Client Key"u8));
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return $"SCRAM-SHA-256${Iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }
}
