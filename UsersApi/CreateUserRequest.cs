using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Replication.UsersApi;

/// <summary>A validated <c>POST /users</c> body.</summary>
public sealed record CreateUserRequest(string Name, string Email)
{
    public const int MaxNameLength = 200;
    public const int MaxEmailLength = 320;

    /// <summary>A digest of the request's meaning, so an idempotent replay can tell "same body" from "different body".</summary>
    public byte[] Fingerprint() => SHA256.HashData(Encoding.UTF8.GetBytes($"{Name}\0{Email}"));

    /// <summary>
    /// Validates a JSON body field by field, so every mistake gets its own message instead of a generic 400.
    /// </summary>
    public static CreateUserRequest? Parse(ReadOnlyMemory<byte> body, Dictionary<string, string[]> errors)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException exception)
        {
            errors["body"] = [$"The body is not valid JSON: {exception.Message}"];
            return null;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors["body"] = [$"The body must be a JSON object, not {document.RootElement.ValueKind}."];
                return null;
            }

            string? name = null, email = null;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "name" when name is null:
                        name = ReadString(property, errors);
                        break;
                    case "email" when email is null:
                        email = ReadString(property, errors);
                        break;
                    case "name" or "email":
                        errors[property.Name] = ["The field appears more than once."];
                        break;
                    default:
                        errors[property.Name] = ["Unknown field. Only 'name' and 'email' are accepted."];
                        break;
                }
            }

            if (!errors.ContainsKey("name"))
            {
                ValidateName(name, errors);
            }

            if (!errors.ContainsKey("email"))
            {
                ValidateEmail(email, errors);
            }

            return errors.Count == 0 ? new CreateUserRequest(name!, email!) : null;
        }
    }

    private static string? ReadString(JsonProperty property, Dictionary<string, string[]> errors)
    {
        if (property.Value.ValueKind == JsonValueKind.String)
        {
            return property.Value.GetString();
        }

        errors[property.Name] = [$"Must be a string, not {property.Value.ValueKind}."];
        return null;
    }

    private static void ValidateName(string? name, Dictionary<string, string[]> errors)
    {
        if (name is null)
        {
            errors["name"] = ["The field is required."];
        }
        else if (string.IsNullOrWhiteSpace(name))
        {
            errors["name"] = ["Must not be empty or only whitespace."];
        }
        else if (CountCodePoints(name) > MaxNameLength)
        {
            errors["name"] = [$"Must be at most {MaxNameLength} characters."];
        }
        else if (ContainsControlCharacter(name))
        {
            errors["name"] = ["Must not contain control characters."];
        }
    }

    private static void ValidateEmail(string? email, Dictionary<string, string[]> errors)
    {
        if (email is null)
        {
            errors["email"] = ["The field is required."];
        }
        else if (email.Length > MaxEmailLength)
        {
            errors["email"] = [$"Must be at most {MaxEmailLength} characters."];
        }
        else if (!IsPlainAddress(email))
        {
            errors["email"] = ["Must be a plain address such as ada@example.com."];
        }
    }

    private static bool IsPlainAddress(string email)
    {
        if (ContainsControlCharacter(email) || email.Any(char.IsWhiteSpace))
        {
            return false;
        }

        var at = email.LastIndexOf('@');
        if (at is < 1 or > 64 || email.IndexOf('@') != at)
        {
            return false;
        }

        var domain = email[(at + 1)..];
        return domain.Contains('.', StringComparison.Ordinal)
            && !domain.StartsWith('.')
            && !domain.EndsWith('.')
            && MailAddress.TryCreate(email, out var address)
            && address.Address == email
            && address.DisplayName.Length == 0;
    }

    private static int CountCodePoints(string value) => value.EnumerateRunes().Count();

    private static bool ContainsControlCharacter(string value) =>
        value.EnumerateRunes().Any(rune => Rune.IsControl(rune) || rune.Value is 0x2028 or 0x2029);
}
