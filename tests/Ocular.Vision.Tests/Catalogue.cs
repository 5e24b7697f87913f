using System.Text.Json;

namespace Ocular.Vision.Tests;

/// <summary>tests/fixtures/models/architectures.json: what torchvision (or the fixture script's own definitions) built.</summary>
internal sealed record ArchitectureSpec(
    string Fixture, string Architecture, int InChannels, int InputSize, string[] Layers, long NumParams,
    (string Key, long[] Shape, string DType)[] StateDict, string[] Modules)
{
    private static readonly Lazy<Dictionary<string, ArchitectureSpec>> All = new(Load);

    public static ArchitectureSpec Get(string fixture) => All.Value[fixture];

    private static Dictionary<string, ArchitectureSpec> Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.Path("models", "architectures.json")));
        var result = new Dictionary<string, ArchitectureSpec>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            var e = p.Value;
            result[p.Name] = new ArchitectureSpec(
                p.Name,
                e.GetProperty("architecture").GetString()!,
                e.GetProperty("in_channels").GetInt32(),
                e.GetProperty("input_size").GetInt32(),
                [.. e.GetProperty("layers").EnumerateArray().Select(l => l.GetString()!)],
                e.GetProperty("num_params").GetInt64(),
                [.. e.GetProperty("state_dict").EnumerateArray().Select(s => (
                    s[0].GetString()!,
                    s[1].EnumerateArray().Select(d => d.GetInt64()).ToArray(),
                    s[2].GetString()!))],
                [.. e.GetProperty("modules").EnumerateArray().Select(m => m.GetString()!)]);
        }
        return result;
    }
}
