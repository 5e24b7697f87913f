using System.Text.Json;
using System.Text.Json.Serialization;
using Ocular.Torch.Serialization;

namespace Ocular.Torch.Optim;

/// <summary>
/// The saved state of an <see cref="Optimizer"/>, to resume training: PyTorch's
/// <c>optimizer.state_dict()</c> split into tensors and a JSON document.
/// <para>
/// Parameters are identified by their index in the order of the groups (the first group's
/// parameters are 0 … n₀−1, the next group's follow), as PyTorch does.
/// </para>
/// <list type="bullet">
/// <item><see cref="Tensors"/>: the per-parameter state tensors under <c>state.{index}.{name}</c>, e.g.
/// <c>state.0.momentum_buffer</c> (SGD with momentum), <c>state.3.exp_avg</c>, <c>state.3.exp_avg_sq</c>,
/// <c>state.3.max_exp_avg_sq</c> (Adam/AdamW; the last with amsgrad). A parameter that never had a
/// gradient has no state.</item>
/// <item>The JSON document (<see cref="ToJson"/>):
/// <c>{"format":"ocular.optimizer/1","optimizer":"Adam","flags":{"amsgrad":false,"maximize":false},
/// "param_groups":[{"params":[0,1],"options":{"lr":0.001,"beta1":0.9,…,"initial_lr":0.001}}],
/// "state":{"0":{"step":10},"1":{"step":10}}}</c> — the optimizer type, its construction-time flags,
/// every group's parameter indices and hyper-parameters (including those a scheduler added), and the
/// per-parameter scalar state such as Adam's step count.</item>
/// </list>
/// <see cref="Save"/> writes both into one safetensors file (the JSON under the metadata key
/// <see cref="MetadataKey"/>). The object owns its tensors: dispose it.
/// </summary>
public sealed class OptimizerStateDict : IDisposable
{
    /// <summary>The format tag written into the JSON document.</summary>
    public const string FormatVersion = "ocular.optimizer/1";

    /// <summary>The safetensors metadata key that holds the JSON document.</summary>
    public const string MetadataKey = "ocular.optimizer";

    /// <summary>The tensor-name prefix of per-parameter state.</summary>
    public const string StatePrefix = "state.";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The format tag (<see cref="FormatVersion"/>).</summary>
    [JsonPropertyName("format")]
    public string Format { get; init; } = FormatVersion;

    /// <summary>The optimizer type (<c>SGD</c>, <c>Adam</c>, <c>AdamW</c>).</summary>
    [JsonPropertyName("optimizer")]
    public required string Optimizer { get; init; }

    /// <summary>The construction-time switches (e.g. <c>nesterov</c>, <c>amsgrad</c>, <c>maximize</c>).</summary>
    [JsonPropertyName("flags")]
    public Dictionary<string, bool> Flags { get; init; } = [];

    /// <summary>Every parameter group: its parameter indices and hyper-parameters.</summary>
    [JsonPropertyName("param_groups")]
    public List<ParamGroupState> ParamGroups { get; init; } = [];

    /// <summary>Scalar per-parameter state by parameter index (e.g. <c>{"step": 10}</c>).</summary>
    [JsonPropertyName("state")]
    public Dictionary<int, Dictionary<string, double>> State { get; init; } = [];

    /// <summary>Tensor per-parameter state, named <c>state.{index}.{name}</c>.</summary>
    [JsonIgnore]
    public Dictionary<string, Tensor> Tensors { get; init; } = [];

    /// <summary>One saved parameter group.</summary>
    public sealed class ParamGroupState
    {
        /// <summary>The indices of the group's parameters.</summary>
        [JsonPropertyName("params")]
        public List<int> Params { get; init; } = [];

        /// <summary>The group's hyper-parameters by PyTorch name.</summary>
        [JsonPropertyName("options")]
        public Dictionary<string, double> Options { get; init; } = [];
    }

    /// <summary>The JSON document (everything but the tensors).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>
    /// Rebuilds a state dict from its JSON document and its tensors (keys <c>state.{index}.{name}</c>;
    /// other keys are ignored). The tensors are taken over: the result disposes them.
    /// </summary>
    public static OptimizerStateDict FromJson(string json, IReadOnlyDictionary<string, Tensor>? tensors = null)
    {
        OptimizerStateDict? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<OptimizerStateDict>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the optimizer state is not valid JSON: {e.Message}", e);
        }
        if (parsed is null) throw new InvalidDataException("the optimizer state is empty (JSON null)");
        if (parsed.Format != FormatVersion)
            throw new InvalidDataException($"the optimizer state has format '{parsed.Format}', expected '{FormatVersion}'");
        if (tensors is not null)
            foreach (var (key, tensor) in tensors)
                if (key.StartsWith(StatePrefix, StringComparison.Ordinal)) parsed.Tensors[key] = DisposeScope.Detach(tensor);
        return parsed;
    }

    /// <summary>Writes the tensors and the JSON document (plus optional extra metadata) to a safetensors file, atomically.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var meta = metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(metadata);
        meta[MetadataKey] = ToJson();
        SafeTensors.Save(path, Tensors, meta);
    }

    /// <summary>Reads a file written by <see cref="Save"/>.</summary>
    public static OptimizerStateDict Load(string path)
    {
        var contents = SafeTensors.Load(path);
        if (!contents.Metadata.TryGetValue(MetadataKey, out var json))
        {
            contents.Dispose();
            throw new InvalidDataException($"{path}: no optimizer state (the metadata has no '{MetadataKey}' entry)");
        }
        try
        {
            var result = FromJson(json, contents.Tensors);
            foreach (var (key, tensor) in contents.Tensors)
                if (!key.StartsWith(StatePrefix, StringComparison.Ordinal)) tensor.Dispose();
            return result;
        }
        catch (InvalidDataException e)
        {
            contents.Dispose();
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Disposes every tensor.</summary>
    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}
