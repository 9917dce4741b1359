using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Replication.Tests.Dashboard;

/// <summary>The Aspire dashboard's pages, as a user reaches them: the resources grid, its details pane and its menus.</summary>
public sealed class DashboardPage(IPage page, Uri dashboardUrl)
{
    private static readonly LocatorAssertionsToHaveTextOptions Eventually = new() { Timeout = 60_000 };

    public IPage Page => page;

    /// <summary>Signs in with the token URL and waits for the resources grid.</summary>
    public async Task LogInAsync(Uri loginUrl)
    {
        await page.GotoAsync(loginUrl.ToString());
        try
        {
            await page.Locator("tr.resource-row").First.WaitForAsync(new() { Timeout = 45_000 });
        }
        catch (TimeoutException)
        {
            // On a loaded machine the grid's first render can lose its connection to the dashboard; a user would reload.
            await page.ReloadAsync();
            await page.Locator("tr.resource-row").First.WaitForAsync(new() { Timeout = 45_000 });
        }
        // "No trusted development certificate": the graph runs on http only, on purpose (see docs/dashboard.md).
        try
        {
            await page.Locator("fluent-button.dashboard-message-bar-dismiss").First.ClickAsync(new() { Timeout = 5_000 });
        }
        catch (TimeoutException)
        {
            // Not shown on a machine with a trusted certificate.
        }
    }

    public ILocator ResourceRow(string resourceName) =>
        page.Locator("tr.resource-row", new() { Has = page.Locator(".resource-name-text", new() { HasTextRegex = Exactly(resourceName) }) });

    /// <summary>Waits until the grid shows the resource in <paramref name="state"/>.</summary>
    public Task ExpectStateAsync(string resourceName, string state) =>
        Assertions.Expect(ResourceRow(resourceName).Locator("td[col-index='2']")).ToHaveTextAsync(Exactly(state), Eventually);

    /// <summary>Opens the resource's details pane, as a click on its row does.</summary>
    public async Task OpenDetailsAsync(string resourceName)
    {
        await ResourceRow(resourceName).Locator("td[col-index='1']").ClickAsync();
        await Assertions.Expect(page.GetByText(new Regex($": {Regex.Escape(resourceName)}$"))).ToBeVisibleAsync();
    }

    /// <summary>Waits until the open details pane shows the property with <paramref name="value"/>.</summary>
    public Task ExpectPropertyAsync(string name, string value) => ExpectPropertyAsync(name, Exactly(value));

    public Task ExpectPropertyAsync(string name, Regex value) =>
        Assertions.Expect(PropertyValue(name)).ToHaveTextAsync(value, Eventually);

    public ILocator PropertyValue(string name) =>
        page.Locator("tr.fluent-data-grid-row", new() { Has = page.Locator($"td.nameColumn .grid-value[title='{name}']") })
            .Locator("td.valueColumn .grid-value");

    /// <summary>
    /// Runs a resource command from the row's Actions menu (under Commands) and answers Yes to its confirmation dialog,
    /// which must show <paramref name="confirmation"/>. The grid re-renders as properties change (LSNs move every
    /// second under load), which can close an open menu; the menu is then opened again.
    /// </summary>
    public async Task RunConfirmedCommandAsync(string resourceName, string commandName, string confirmation)
    {
        var dialog = page.Locator("fluent-dialog", new() { HasText = confirmation });
        var yes = dialog.Locator("fluent-button", new() { HasTextRegex = Exactly("Yes") });
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ResourceRow(resourceName).GetByRole(AriaRole.Button, new() { Name = "Actions" }).ClickAsync();
                await page.GetByRole(AriaRole.Menuitem, new() { Name = "Commands", Exact = true }).ClickAsync(new() { Timeout = 5_000 });
                await page.GetByRole(AriaRole.Menuitem, new() { Name = commandName, Exact = true }).ClickAsync(new() { Timeout = 5_000 });
                await yes.WaitForAsync(new() { Timeout = 5_000 });
                break;
            }
            catch (TimeoutException) when (attempt < 3)
            {
                await page.Keyboard.PressAsync("Escape");
            }
        }

        await yes.ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
    }

    /// <summary>Opens a trace's page, reloading until its spans have arrived (services export them every few seconds).</summary>
    public async Task OpenTraceAsync(string traceId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            await GoToAsync($"traces/detail/{traceId}");
            try
            {
                await Assertions.Expect(page.GetByText("backupservice").First).ToBeVisibleAsync(new() { Timeout = 5_000 });
                return;
            }
            catch (PlaywrightException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    /// <summary>
    /// Finds a structured log line of the resource through the page's own search box: under load, Polly's per-request
    /// events bury any one line below the rows the grid renders.
    /// </summary>
    public async Task ExpectStructuredLogAsync(string resourceName, string text)
    {
        await GoToAsync($"structuredlogs/resource/{resourceName}");
        await page.GetByRole(AriaRole.Searchbox).First.FillAsync(text);
        // Logs reach the dashboard in batches, a few seconds after the event.
        await Assertions.Expect(page.GetByText(text).First).ToBeVisibleAsync(new() { Timeout = 60_000 });
    }

    public Task GoToAsync(string relativeUrl) => page.GotoAsync(new Uri(dashboardUrl, relativeUrl).ToString());

    private static Regex Exactly(string text) => new($"^\\s*{Regex.Escape(text)}\\s*$");
}
