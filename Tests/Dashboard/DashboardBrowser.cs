using Microsoft.Playwright;

namespace Replication.Tests.Dashboard;

/// <summary>
/// Debian's chromium, headless, driven by Playwright, with a fresh profile that is deleted afterwards. Playwright's own
/// browser download is never used.
/// </summary>
public sealed class DashboardBrowser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly IPlaywright playwright;
    private readonly IBrowserContext context;
    private readonly string profileDirectory;

    private DashboardBrowser(IPlaywright playwright, IBrowserContext context, IPage page, string profileDirectory)
    {
        this.playwright = playwright;
        this.context = context;
        this.profileDirectory = profileDirectory;
        Page = page;
    }

    public static bool IsChromiumInstalled => File.Exists(ChromiumPath);

    public IPage Page { get; }

    public static async Task<DashboardBrowser> LaunchAsync()
    {
        var profileDirectory = Directory.CreateTempSubdirectory("replication-chromium-").FullName;
        var playwright = await Playwright.CreateAsync();
        try
        {
            var context = await playwright.Chromium.LaunchPersistentContextAsync(profileDirectory, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ChromiumArguments,
                ViewportSize = new ViewportSize { Width = 1600, Height = 1000 },
            });
            var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
            page.SetDefaultTimeout(30_000);
            return new DashboardBrowser(playwright, context, page, profileDirectory);
        }
        catch
        {
            playwright.Dispose();
            Directory.Delete(profileDirectory, recursive: true);
            throw;
        }
    }

    /// <summary>Saves a screenshot of the page when <c>REPLICATION_SCREENSHOTS</c> names a directory (docs/images are made so).</summary>
    public async Task ScreenshotAsync(string name)
    {
        if (Environment.GetEnvironmentVariable("REPLICATION_SCREENSHOTS") is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png") });
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await context.CloseAsync();
        }
        finally
        {
            playwright.Dispose();
            Directory.Delete(profileDirectory, recursive: true);
        }
    }
}
