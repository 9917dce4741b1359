using System.ComponentModel.DataAnnotations;
using System.Net.Mail;

namespace Replication.UsersApi;

/// <summary>Not empty and not only whitespace. A missing value is <see cref="RequiredAttribute"/>'s to report.</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property)]
internal sealed class NotBlankAttribute() : ValidationAttribute("Must not be empty or only whitespace.")
{
    public override bool IsValid(object? value) => value is not string text || !string.IsNullOrWhiteSpace(text);
}

/// <summary>
/// At most <paramref name="maximum"/> characters, counted as PostgreSQL's <c>char_length</c> counts them (code
/// points), so the limit here and the table's CHECK agree about emoji.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property)]
internal sealed class MaxCharactersAttribute(int maximum) : ValidationAttribute($"Must be at most {maximum} characters.")
{
    public override bool IsValid(object? value) => value is not string text || text.EnumerateRunes().Count() <= maximum;
}

/// <summary>
/// A bare address such as <c>ada@example.com</c>: no display name, comment or whitespace, one <c>@</c> after a local
/// part of at most 64 characters, and a dotted domain. <see cref="EmailAddressAttribute"/> only checks for an <c>@</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property)]
internal sealed class PlainEmailAddressAttribute() : ValidationAttribute("Must be a plain address such as ada@example.com.")
{
    public override bool IsValid(object? value) => value is not string email || IsPlainAddress(email);

    private static bool IsPlainAddress(string email)
    {
        var at = email.IndexOf('@', StringComparison.Ordinal);
        if (at is < 1 or > 64 || email.LastIndexOf('@') != at || email.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
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
}
