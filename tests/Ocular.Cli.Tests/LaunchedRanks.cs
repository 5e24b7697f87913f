using Ocular.TestSupport;
namespace Ocular.Cli.Tests;

/// <summary>
/// Runs one <c>ocular</c> command as the ranks of one group, each a real process configured as torchrun configures its
/// workers (RANK, WORLD_SIZE, MASTER_ADDR and a free MASTER_PORT on loopback), and returns each rank's result in rank order.
/// </summary>
internal static class LaunchedRanks
{
    public static async Task<CliRunner.Result[]> Run(int ranks, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var port = LoopbackRanks.FreePort();
        return await Task.WhenAll(Enumerable.Range(0, ranks).Select(r => Task.Run(() =>
        {
            var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
            {
                ["RANK"] = $"{r}", ["WORLD_SIZE"] = $"{ranks}", ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = $"{port}", ["OCULAR_GLOO_ADDRESS"] = "127.0.0.1",
            };
            return CliRunner.Run(variables, args);
        })));
    }

    public static Task<CliRunner.Result[]> Run(int ranks, params string[] args) => Run(ranks, null, args);
}
