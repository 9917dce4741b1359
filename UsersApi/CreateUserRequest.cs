using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;

namespace Replication.UsersApi;

/// <summary>
/// A <c>POST /users</c> body. System.Text.Json rejects unknown, repeated and mistyped fields
/// (<see cref="RequestRules"/>); the attributes are the rules for the values, checked by minimal APIs' validation.
/// </summary>
public sealed record CreateUserRequest(
    [Required(AllowEmptyStrings = true, ErrorMessage = CreateUserRequest.RequiredMessage)]
    [NotBlank]
    [MaxCharacters(CreateUserRequest.MaxNameLength)]
    [RegularExpression(@"[^\p{Cc}\u2028\u2029]*", ErrorMessage = "Must not contain control characters.")]
    string Name,
    [Required(AllowEmptyStrings = true, ErrorMessage = CreateUserRequest.RequiredMessage)]
    [MaxCharacters(CreateUserRequest.MaxEmailLength)]
    [PlainEmailAddress]
    string Email)
{
    public const int MaxNameLength = 200;
    public const int MaxEmailLength = 320;

    private const string RequiredMessage = "The field is required.";

    /// <summary>A digest of the request's meaning, so an idempotent replay can tell "same body" from "different body".</summary>
    public byte[] Fingerprint() => SHA256.HashData(Encoding.UTF8.GetBytes($"{Name}\0{Email}"));
}
