using System.Text.Json;
using System.Text.Json.Nodes;
using Ocular.Torch;
using Ocular.Torch.Serialization;

namespace Ocular.Vision.Training;

/// <summary>
/// The files of a training run: <c>config.json</c> (every option, the versions of Ocular and libtorch, the thread count),
/// <c>metrics.jsonl</c> and <c>metrics.csv</c> (one row per epoch), <c>last.ocular</c> (after every epoch, with the state
/// to resume), <c>best.ocular</c> (the best test top-1 so far) and, with TensorBoard on, <c>tensorboard/events.out.tfevents.*</c>.
/// Every file is written atomically (temporary file + rename).
/// </summary>
public sealed class RunDirectory
{
    /// <summary>The format tag of <c>config.json</c>.</summary>
    public const string ConfigFormat = "ocular.train/1";

    /// <summary>Names the run directory at <paramref name="path"/> (nothing is created).</summary>
    public RunDirectory(string path) => Path = System.IO.Path.GetFullPath(path);

    /// <summary>The directory.</summary>
    public string Path { get; }

    /// <summary><c>config.json</c>.</summary>
    public string ConfigFile => System.IO.Path.Combine(Path, "config.json");

    /// <summary><c>last.ocular</c>: the model after the last complete epoch, with optimizer, scheduler and generator state.</summary>
    public string LastCheckpoint => System.IO.Path.Combine(Path, "last.ocular");

    /// <summary><c>best.ocular</c>: the model of the epoch with the best test top-1 so far.</summary>
    public string BestCheckpoint => System.IO.Path.Combine(Path, "best.ocular");

    /// <summary><c>metrics.jsonl</c>.</summary>
    public string MetricsJsonl => System.IO.Path.Combine(Path, "metrics.jsonl");

    /// <summary><c>metrics.csv</c>.</summary>
    public string MetricsCsv => System.IO.Path.Combine(Path, "metrics.csv");

    /// <summary>The folder of the TensorBoard event files.</summary>
    public string TensorBoardDirectory => System.IO.Path.Combine(Path, "tensorboard");

    /// <summary>True when the directory holds a run (a <c>config.json</c>).</summary>
    public bool HoldsRun => File.Exists(ConfigFile);

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        // Paths and times as written (no \u002B for '+'); the file is read by people and JSON parsers, not embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes <c>config.json</c>: the options, the versions, the thread count and the data recipe.</summary>
    public void WriteConfig(TrainingOptions options, DataRecipe recipe) => WriteConfig(options, recipe, ConfigFormat);

    /// <summary>Writes <c>config.json</c> of a run of another kind (e.g. an explainer's) with its own options record and format tag.</summary>
    public void WriteConfig<TOptions>(TOptions options, DataRecipe recipe, string format)
    {
        var config = new JsonObject
        {
            ["format"] = format,
            ["ocular_version"] = Engine.OcularVersion,
            ["torch_version"] = Engine.TorchVersion,
            ["threads"] = Engine.NumThreads,
            ["created"] = DateTimeOffset.UtcNow.ToString("O"),
            ["options"] = JsonSerializer.SerializeToNode(options, Json),
            ["data"] = new JsonObject
            {
                ["input_size"] = recipe.InputSize,
                ["resize_size"] = recipe.ResizeSize,
                ["in_channels"] = recipe.InChannels,
                ["mean"] = new JsonArray([.. recipe.Normalization.Mean.Select(v => (JsonNode)v)]),
                ["std"] = new JsonArray([.. recipe.Normalization.Std.Select(v => (JsonNode)v)]),
                ["augmentation"] = recipe.Augmentation,
            },
        };
        Directory.CreateDirectory(Path);
        AtomicFile.WriteAllText(ConfigFile, config.ToJsonString(Json) + "\n");
    }

    /// <summary>Whether the run's recorded options (<c>config.json</c>'s <c>options</c>) include <paramref name="key"/> (a snake_case name): false for an option added after the run started.</summary>
    public bool ConfigHas(string key) =>
        HoldsRun && JsonNode.Parse(File.ReadAllText(ConfigFile))?["options"]?.AsObject().ContainsKey(key) == true;

    /// <summary>Reads the options and the thread count of the run from <c>config.json</c>.</summary>
    /// <exception cref="FileNotFoundException">The directory holds no run.</exception>
    /// <exception cref="InvalidDataException">The file is malformed.</exception>
    public (TrainingOptions Options, int Threads) ReadConfig() => ReadConfig<TrainingOptions>(ConfigFormat);

    /// <summary>Reads the options (of the kind written with <paramref name="format"/>) and the thread count of the run.</summary>
    /// <exception cref="FileNotFoundException">The directory holds no run.</exception>
    /// <exception cref="InvalidDataException">The file is malformed or of another format.</exception>
    public (TOptions Options, int Threads) ReadConfig<TOptions>(string format)
    {
        if (!HoldsRun) throw new FileNotFoundException($"{Path} holds no training run (no config.json); start one with `ocular train classifier ... --out {Path}`", ConfigFile);
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(ConfigFile))?.AsObject() ?? throw new InvalidDataException($"{ConfigFile}: empty");
            var found = node["format"]?.GetValue<string>();
            if (found != format) throw new InvalidDataException($"{ConfigFile}: format '{found}' is not '{format}'");
            var options = node["options"].Deserialize<TOptions>(Json) ?? throw new InvalidDataException($"{ConfigFile}: no options");
            return (options, node["threads"]?.GetValue<int>() ?? 0);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{ConfigFile}: malformed run configuration: {e.Message}", e);
        }
    }
}
