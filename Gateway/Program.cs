using Replication.Gateway;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceForwarding();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapForwardedApi();
app.MapGatewayStatus();

app.Run();
