using System.Reflection;
using Ocular.Torch;

namespace Ocular.Packaging.Tests;

/// <summary>
/// Ocular packed and installed as a user gets it, once per test run: the five packages of Ocular.Packages.slnf packed
/// from the projects as built (no second compile) into a temporary feed, with a version of their own
/// (<c>0.1.0-test.g…</c>, so that no package of the same version cached by an earlier run can stand in for them), and
/// the <c>ocular</c> tool installed from that feed alone into a temporary tool path.
/// </summary>
public sealed class PackedOcular : IDisposable
{
    private readonly TempDirectory _root = new();

    public PackedOcular()
    {
        Version = $"{Engine.OcularVersion}-test.g{Guid.NewGuid():N}";
        Feed = NewDirectory("feed");
        var pack = ChildProcess.Dotnet(RepoRoot, null, "pack", "Ocular.Packages.slnf", "-c", Configuration, "--no-build",
            "--disable-build-servers", "-o", Feed, $"-p:PackageVersion={Version}", "--nologo", "-v", "quiet");
        if (pack.ExitCode != 0) throw new InvalidOperationException($"dotnet pack failed:\n{pack.Output}");
        PackSeconds = pack.Elapsed.TotalSeconds;

        // The feed as the only source: nothing else can answer for the name `ocular`, and nothing is downloaded.
        FeedOnlyConfig = _root.File("feed-only/nuget.config");
        File.WriteAllText(FeedOnlyConfig, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="ocular-test-feed" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        ToolPath = NewDirectory("tools");
        Install = ChildProcess.Dotnet(_root.Path, null, "tool", "install", "ocular", "--tool-path", ToolPath,
            "--version", Version, "--configfile", FeedOnlyConfig);
    }

    /// <summary>The repository this test assembly was built from.</summary>
    public static string RepoRoot { get; } = Metadata("OcularRepoRoot");

    /// <summary>The configuration it was built in (the packed projects were built in the same one).</summary>
    public static string Configuration { get; } = Metadata("OcularConfiguration");

    /// <summary>A fresh folder under this run's temporary root.</summary>
    public string NewDirectory(string name) => Directory.CreateDirectory(Path.Combine(_root.Path, name)).FullName;

    /// <summary>The packages' version, unique to this run.</summary>
    public string Version { get; }

    /// <summary>The folder feed the packages were packed into.</summary>
    public string Feed { get; }

    /// <summary>A nuget.config whose only source is <see cref="Feed"/>.</summary>
    public string FeedOnlyConfig { get; }

    /// <summary>The wall time of <c>dotnet pack</c>.</summary>
    public double PackSeconds { get; }

    /// <summary>The tool path <c>ocular</c> was installed into, and the result of <c>dotnet tool install</c>.</summary>
    public string ToolPath { get; }

    /// <inheritdoc cref="ToolPath"/>
    public ChildProcess.Result Install { get; }

    /// <summary>The folder the installed tool runs from (the layout of a tool package in a tool path's store).</summary>
    public string ToolFolder => Path.Combine(ToolPath, ".store", "ocular", Version, "ocular", Version, "tools", "net10.0", "any");

    /// <summary>Runs the installed <c>ocular</c> as a user's shell would.</summary>
    public ChildProcess.Result RunTool(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        ChildProcess.Run(Path.Combine(ToolPath, "ocular"), args, _root.Path, environment);

    private static string Metadata(string key) =>
        typeof(PackedOcular).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"assembly metadata {key} is missing");

    public void Dispose() => _root.Dispose();
}

/// <summary>The tests that share one <see cref="PackedOcular"/>; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PackagingCollection : ICollectionFixture<PackedOcular>
{
    public const string Name = "packed Ocular";
}
