using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AwqSharp.Formats.Llama2c;
using AwqSharp.Tests.Infrastructure;
using static AwqSharp.Tests.Serving.OpenAiHttp;

namespace AwqSharp.Tests.Serving;

/// <summary>`awq serve` as a user runs it: a separate process, stopped with SIGTERM.</summary>
[Collection("Serving")]
public sealed class ServeProcessTests(ServingFixture fixture)
{
    [Fact]
    public async Task ServesUntilSigtermThenStopsCleanly()
    {
        var awq = Path.Combine(AppContext.BaseDirectory, "awq.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            ArgumentList = { awq, "serve", "--model", fixture.PlainDirectory, "--urls", "http://127.0.0.1:0", "--max-concurrency", "2", "--api-key", "secret" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2));
            if (first is null) Assert.Fail($"awq serve exited: {await stderr}");
            Assert.StartsWith("awq: serving stories260K on http://127.0.0.1:", first);
            var url = new Uri(first["awq: serving stories260K on ".Length..].Split(',')[0].Trim());
            Assert.Contains("max concurrency 2", await process.StandardOutput.ReadLineAsync());

            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(fixture.Http, new Uri(url, "/v1/models"))).Status);
            var reply = await PostAsync(fixture.Http, new Uri(url, "/v1/completions"), Json(new { prompt = "", max_tokens = 8, temperature = 0 }), apiKey: "secret");
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal("Once upon a time, there was a", reply.Body.GetProperty("choices")[0].GetProperty("text").GetString());

            if (OperatingSystem.IsWindows()) return; // no SIGTERM to send there; the finally block kills it
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()])) await kill.WaitForExitAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Equal(0, process.ExitCode);
            Assert.Equal("awq: stopping", (await process.StandardOutput.ReadToEndAsync()).Trim());
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }
}

/// <summary>`awq serve`'s failures before it serves: one line on stderr and exit code 1.</summary>
[Collection("Console")]
public sealed class ServeCommandErrorTests
{
    [Fact]
    public void AMissingModelDirectoryIsAOneLineError()
    {
        var r = CliRunner.Run("serve", "--model", "/nonexistent/model", "--urls", "http://127.0.0.1:0");
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("awq: error: ", r.Stderr);
        Assert.Contains("/nonexistent/model", r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void BadLimitsAndABusyPortAreOneLineErrors()
    {
        using var dir = new TempDir();
        var model = Path.Combine(dir.Path, "stories260K");
        Llama2cImporter.Import(RepoData.Demo("stories260K/stories260K.bin"), RepoData.Demo("stories260K/tok512.bin"), model);

        var concurrency = CliRunner.Run("serve", "--model", model, "--max-concurrency", "0");
        Assert.Equal(1, concurrency.ExitCode);
        Assert.Contains("concurrency", concurrency.Stderr);

        var noUrl = CliRunner.Run("serve", "--model", model, "--urls", " ; ");
        Assert.Equal(1, noUrl.ExitCode);
        Assert.Contains("--urls", noUrl.Stderr);

        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var busy = CliRunner.Run("serve", "--model", model, "--urls", $"http://127.0.0.1:{port}");
        Assert.Equal(1, busy.ExitCode);
        Assert.StartsWith("awq: error: ", busy.Stderr);
        Assert.Contains(port.ToString(), busy.Stderr);
    }
}
