using System.Globalization;
using System.Text;
using Ocular.Torch.Serialization.Pickle;
using Ocular.Torch.Serialization.Pth;

namespace Ocular.Torch.Serialization;

/// <summary>
/// Reads PyTorch <c>.pth</c>/<c>.pt</c> files written by <c>torch.save</c> — the zip format (PyTorch
/// ≥ 1.6) and the legacy format before it — with a restricted unpickler: only tensors, storages,
/// dicts, lists, tuples and primitive values are accepted, as <c>torch.load(weights_only=True)</c>.
/// Any other global (<c>os.system</c>, a model class, a NumPy scalar, …) raises
/// <see cref="UnsafePickleException"/> naming it, and no code from the file is ever executed.
/// Tensors load on the CPU, contiguous, in their saved element type.
/// </summary>
/// <example>
/// <code>
/// var weights = PthReader.LoadStateDict("resnet50.pth");   // plain, nested or "module."-prefixed
/// model.LoadStateDict(weights);
/// foreach (var t in weights.Values) t.Dispose();
/// </code>
/// </example>
public static class PthReader
{
    /// <summary>
    /// The keys under which training scripts commonly nest the state dict, tried in this order:
    /// <c>state_dict</c>, <c>model_state_dict</c>, <c>model</c>, <c>net</c>, <c>network</c>,
    /// <c>state_dict_ema</c>.
    /// </summary>
    public static IReadOnlyList<string> StateDictKeys { get; } = ["state_dict", "model_state_dict", "model", "net", "network", "state_dict_ema"];

    /// <summary>The prefix <c>nn.DataParallel</c> gives every key, removed when all keys have it.</summary>
    public const string DataParallelPrefix = "module.";

    /// <summary>
    /// Reads the whole object graph: dictionaries as <see cref="OrderedDictionary{TKey,TValue}"/> of
    /// <c>object</c> to <c>object?</c> (string keys for state dicts), lists as <see cref="List{T}"/>
    /// of <c>object?</c>, tuples as <c>object?[]</c>, sets as <see cref="HashSet{T}"/>, strings,
    /// <c>long</c> (<see cref="System.Numerics.BigInteger"/> beyond 64 bits), <c>double</c>,
    /// <c>bool</c>, <c>null</c>, <c>byte[]</c>, <see cref="ScalarType"/> for a <c>torch.dtype</c>, a
    /// string for a <c>torch.device</c>, and <see cref="Tensor"/>s (<see cref="Nn.Parameter"/> for an
    /// <c>nn.Parameter</c>). The caller owns the tensors (see <see cref="DisposeTensors"/>); they
    /// belong to no <see cref="DisposeScope"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="UnsafePickleException">The pickle references a global outside the allow-list.</exception>
    /// <exception cref="InvalidDataException">The file is not a torch.save file, or is truncated or corrupt; the message names the file and what is wrong.</exception>
    public static object? Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"PyTorch file not found: {path}", path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> head = stackalloc byte[512];
        var n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..n];
        file.Position = 0;
        if (n == 0) throw new InvalidDataException($"{path}: the file is empty");
        if (ZipFormat.Sniff(head)) return ZipFormat.Load(file, path);
        if (LegacyFormat.Sniff(head)) return LegacyFormat.Load(file, path);
        if (n >= 262 && Encoding.ASCII.GetString(head[257..262]) == "ustar")
            throw new InvalidDataException($"{path}: this is the tar format of PyTorch before 0.1.10, which Ocular does not read; re-save it with a current torch.save");
        throw new InvalidDataException($"{path}: not a PyTorch file: it is neither a zip archive (torch.save since PyTorch 1.6) nor a legacy torch.save pickle (it starts with {Convert.ToHexString(head[..Math.Min(n, 8)])})");
    }

    /// <summary>
    /// Reads a state dict and what surrounds it. The state dict is found, in order: under the first
    /// of <see cref="StateDictKeys"/> whose value is a dict holding tensors (looking one wrapper
    /// deeper as well, e.g. <c>{"model": {"state_dict": …}}</c>), else the top-level dict itself when
    /// it holds tensors. Its tensor entries with string keys make <see cref="PthCheckpoint.StateDict"/>,
    /// with <see cref="DataParallelPrefix"/> removed when every key has it. Entries outside it that
    /// hold no tensor (<c>epoch</c>, <c>arch</c>, …) are reported in <see cref="PthCheckpoint.Extras"/>;
    /// everything else that is not used (e.g. an optimizer's state) is named in
    /// <see cref="PthCheckpoint.Skipped"/> and its tensors are disposed.
    /// </summary>
    /// <exception cref="InvalidDataException">No state dict is found (the message lists the top-level entries), or the file is unreadable.</exception>
    /// <exception cref="UnsafePickleException">The pickle references a global outside the allow-list.</exception>
    public static PthCheckpoint LoadCheckpoint(string path)
    {
        var graph = Load(path);
        try
        {
            return Select(graph, path);
        }
        catch
        {
            DisposeTensors(graph);
            throw;
        }
    }

    /// <summary>
    /// The tensors of the state dict in <paramref name="path"/>, by key (see
    /// <see cref="LoadCheckpoint"/> for where it is looked for); everything else in the file is
    /// ignored. The caller owns the tensors.
    /// </summary>
    public static Dictionary<string, Tensor> LoadStateDict(string path) => LoadCheckpoint(path).StateDict;

    /// <summary>Disposes every tensor reachable from an object graph returned by <see cref="Load"/>.</summary>
    public static void DisposeTensors(object? graph)
    {
        foreach (var t in ObjectGraph.Tensors(graph).ToList()) t.Dispose();
    }

    // ------------------------------------------------------------ finding the state dict

    private static PthCheckpoint Select(object? graph, string path)
    {
        if (graph is not OrderedDictionary<object, object?> top)
            throw new InvalidDataException($"{path}: expected a state dict (a dict of tensors) but the file holds {Describe(graph)}");

        var chain = new List<(OrderedDictionary<object, object?> Dict, string Key)>();
        var stateDict = top;
        for (var depth = 0; depth < 2; depth++)
        {
            var wrapper = StateDictKeys.FirstOrDefault(k => stateDict.TryGetValue(k, out var v) && v is OrderedDictionary<object, object?> inner && Holds(inner));
            if (wrapper is null) break;
            chain.Add((stateDict, wrapper));
            stateDict = (OrderedDictionary<object, object?>)stateDict[wrapper]!;
        }
        if (chain.Count == 0 && !stateDict.Values.Any(v => v is Tensor))
            throw new InvalidDataException($"{path}: no state dict found: the top-level dict has {DescribeEntries(top)}; expected a dict of tensors, "
                                         + $"or one under {string.Join(", ", StateDictKeys.Select(k => $"'{k}'"))}");

        var wrapperPath = chain.Count == 0 ? null : string.Join("/", chain.Select(c => c.Key));
        var tensors = new Dictionary<string, Tensor>();
        var extras = new Dictionary<string, object?>();
        var skipped = new List<string>();
        var unused = new List<object?>();
        foreach (var (key, value) in stateDict)
        {
            if (key is string name && value is Tensor t) tensors[name] = t;
            else Report(wrapperPath is null ? "" : wrapperPath + "/", key, value);
        }
        var at = "";
        foreach (var (dict, wrapper) in chain)
        {
            foreach (var (key, value) in dict)
                if (!Equals(key, wrapper)) Report(at, key, value);
            at += wrapper + "/";
        }

        string? stripped = null;
        if (tensors.Count > 0 && tensors.Keys.All(k => k.StartsWith(DataParallelPrefix, StringComparison.Ordinal)))
        {
            stripped = DataParallelPrefix;
            tensors = tensors.ToDictionary(kv => kv.Key[DataParallelPrefix.Length..], kv => kv.Value);
        }
        // What is not kept is released now; a tensor object shared with the state dict stays alive.
        var kept = new HashSet<Tensor>(tensors.Values, ReferenceEqualityComparer.Instance);
        foreach (var t in unused.SelectMany(ObjectGraph.Tensors).Where(t => !kept.Contains(t)).ToList()) t.Dispose();
        return new PthCheckpoint(path, tensors, wrapperPath, stripped, extras, skipped);

        // An entry that is not a state-dict tensor: a plain value is an extra, one holding tensors is skipped.
        void Report(string where, object key, object? value)
        {
            var name = where + KeyText(key);
            if (ObjectGraph.HoldsTensor(value))
            {
                skipped.Add(name);
                unused.Add(value);
            }
            else
            {
                extras[name] = value;
            }
        }
    }

    private static bool Holds(OrderedDictionary<object, object?> dict) =>
        dict.Values.Any(v => v is Tensor) || StateDictKeys.Any(k => dict.TryGetValue(k, out var v) && v is OrderedDictionary<object, object?> inner && inner.Values.Any(x => x is Tensor));

    private static string KeyText(object key) => key as string ?? Convert.ToString(key, CultureInfo.InvariantCulture) ?? "";

    private static string DescribeEntries(OrderedDictionary<object, object?> dict)
    {
        if (dict.Count == 0) return "no entries";
        var shown = dict.Take(12).Select(kv => $"'{KeyText(kv.Key)}' ({PickleValues.TypeName(kv.Value)})");
        return $"the entries {string.Join(", ", shown)}{(dict.Count > 12 ? $" and {dict.Count - 12} more" : "")}";
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        Tensor t => $"a single tensor {t}",
        _ => $"a {PickleValues.TypeName(value)}",
    };
}
