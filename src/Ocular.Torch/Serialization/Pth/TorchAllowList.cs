using System.Text;
using Ocular.Torch.Serialization.Pickle;

namespace Ocular.Torch.Serialization.Pth;

/// <summary>
/// The globals a <c>torch.save</c> pickle may reference — the subset of
/// <c>torch.load(weights_only=True)</c>'s allow-list that state dicts and training checkpoints use.
/// Each maps to a C# function building a plain value; every other global is refused.
/// <list type="bullet">
/// <item><c>collections.OrderedDict</c> → an ordered dictionary;</item>
/// <item><c>torch._utils._rebuild_tensor_v2</c>, <c>_rebuild_tensor</c>, <c>_rebuild_parameter</c>,
/// <c>_rebuild_parameter_with_state</c> → a <see cref="TensorRecipe"/>;</item>
/// <item><c>torch.{Double,Float,Half,BFloat16,Long,Int,Short,Char,Byte,Bool}Storage</c> → a <see cref="StorageType"/>;</item>
/// <item><c>torch.float32</c> and the other dtypes → a <see cref="ScalarType"/>; <c>torch.device(...)</c> → its
/// string (<c>"cuda:0"</c>); <c>torch.Size(...)</c> → a tuple;</item>
/// <item><c>_codecs.encode(text, "latin1")</c> → <c>byte[]</c> (how protocol 2 pickles Python 3 bytes).</item>
/// </list>
/// </summary>
internal sealed class TorchAllowList : IPickleGlobals
{
    /// <summary>The shared instance.</summary>
    public static readonly TorchAllowList Instance = new();

    private static readonly Dictionary<string, ScalarType> Storages = new()
    {
        ["DoubleStorage"] = ScalarType.Float64,
        ["FloatStorage"] = ScalarType.Float32,
        ["HalfStorage"] = ScalarType.Float16,
        ["BFloat16Storage"] = ScalarType.BFloat16,
        ["LongStorage"] = ScalarType.Int64,
        ["IntStorage"] = ScalarType.Int32,
        ["ShortStorage"] = ScalarType.Int16,
        ["CharStorage"] = ScalarType.Int8,
        ["ByteStorage"] = ScalarType.UInt8,
        ["BoolStorage"] = ScalarType.Bool,
    };

    private static readonly Dictionary<string, ScalarType> DTypes = new()
    {
        ["float64"] = ScalarType.Float64, ["double"] = ScalarType.Float64,
        ["float32"] = ScalarType.Float32, ["float"] = ScalarType.Float32,
        ["float16"] = ScalarType.Float16, ["half"] = ScalarType.Float16,
        ["bfloat16"] = ScalarType.BFloat16,
        ["int64"] = ScalarType.Int64, ["long"] = ScalarType.Int64,
        ["int32"] = ScalarType.Int32, ["int"] = ScalarType.Int32,
        ["int16"] = ScalarType.Int16, ["short"] = ScalarType.Int16,
        ["int8"] = ScalarType.Int8,
        ["uint8"] = ScalarType.UInt8,
        ["bool"] = ScalarType.Bool,
    };

    private static readonly Dictionary<(string, string), PickleCallable> Callables = new[]
    {
        new PickleCallable("collections.OrderedDict", NewOrderedDict),
        new PickleCallable("torch._utils._rebuild_tensor_v2", a => RebuildTensor(a, 6, 7)),
        new PickleCallable("torch._utils._rebuild_tensor", a => RebuildTensor(a, 4, 4)),
        new PickleCallable("torch._utils._rebuild_parameter", a => RebuildParameter(a, 3)),
        new PickleCallable("torch._utils._rebuild_parameter_with_state", a => RebuildParameter(a, 4)),
        new PickleCallable("torch.device", NewDevice),
        new PickleCallable("torch.Size", a => a.Length == 1 ? Tuple(a[0], "torch.Size") : throw new InvalidDataException("expected one argument")),
        new PickleCallable("_codecs.encode", Encode),
    }.ToDictionary(c => (c.Name[..c.Name.LastIndexOf('.')], c.Name[(c.Name.LastIndexOf('.') + 1)..]));

    /// <inheritdoc/>
    public object? Find(string module, string name)
    {
        if (Callables.TryGetValue((module, name), out var callable)) return callable;
        if (module == "torch" && Storages.TryGetValue(name, out var storage)) return new StorageType($"torch.{name}", storage);
        if (module == "torch" && DTypes.TryGetValue(name, out var dtype)) return dtype;
        return null;
    }

    /// <inheritdoc/>
    public string? Hint(string module, string name)
    {
        if (module == "torch" && name.EndsWith("Storage", StringComparison.Ordinal))
            return "this storage type is not supported (Ocular reads float64, float32, float16, bfloat16, int64, int32, int16, int8, uint8 and bool tensors)";
        if (module.StartsWith("torch._utils", StringComparison.Ordinal))
            return "quantized, sparse and other special tensors are not supported";
        if (module.StartsWith("torch.nn", StringComparison.Ordinal) || module.StartsWith("torchvision", StringComparison.Ordinal)
            || module.StartsWith("__torch__", StringComparison.Ordinal) || module == "__main__")
            return "the file holds a pickled Python object (as torch.save(model) writes), not a state dict: save model.state_dict() instead";
        if (module.StartsWith("numpy", StringComparison.Ordinal))
            return "NumPy values are not read from checkpoints: convert them to Python numbers or tensors before torch.save";
        return null;
    }

    // ------------------------------------------------------------ the functions

    private static object NewOrderedDict(object?[] args)
    {
        var dict = new OrderedDictionary<object, object?>(PickleKeyComparer.Instance!);
        if (args.Length == 0) return dict;
        if (args.Length > 1) throw new InvalidDataException($"expected at most one argument, got {args.Length}");
        IEnumerable<object?> pairs = args[0] switch
        {
            OrderedDictionary<object, object?> d => d.Select(kv => (object?)new object?[] { kv.Key, kv.Value }),
            List<object?> l => l,
            object?[] t => t,
            var other => throw new InvalidDataException($"cannot build an OrderedDict from a {PickleValues.TypeName(other)}"),
        };
        foreach (var pair in pairs)
        {
            var kv = pair as object?[] ?? (pair as List<object?>)?.ToArray();
            if (kv is not { Length: 2 } || kv[0] is null) throw new InvalidDataException("OrderedDict items must be (key, value) pairs");
            dict[kv[0]!] = kv[1];
        }
        return dict;
    }

    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    // and the older _rebuild_tensor(storage, storage_offset, size, stride).
    private static TensorRecipe RebuildTensor(object?[] a, int minArgs, int maxArgs)
    {
        if (a.Length < minArgs || a.Length > maxArgs) throw new InvalidDataException($"expected {minArgs}–{maxArgs} arguments, got {a.Length}");
        var storage = a[0] as StorageRef ?? throw new InvalidDataException($"the first argument is a {PickleValues.TypeName(a[0])}, not a storage");
        var requiresGrad = a.Length > 4 && Bool(a[4], "requires_grad");
        if (a.Length > 5) NoHooks(a[5]);
        var recipe = new TensorRecipe(storage, Long(a[1], "storage_offset"), Longs(a[2], "size"), Longs(a[3], "stride"), requiresGrad);
        var problem = recipe.Validate();
        return problem is null ? recipe : throw new InvalidDataException($"the tensor does not fit its storage '{storage.Key}': {problem}");
    }

    // _rebuild_parameter(data, requires_grad, backward_hooks) and
    // _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state): the state holds
    // Python attributes set on the parameter, which Ocular has no place for.
    private static TensorRecipe RebuildParameter(object?[] a, int arity)
    {
        if (a.Length != arity) throw new InvalidDataException($"expected {arity} arguments, got {a.Length}");
        var data = a[0] as TensorRecipe ?? throw new InvalidDataException($"the data is a {PickleValues.TypeName(a[0])}, not a tensor");
        NoHooks(a[2]);
        return data with { RequiresGrad = Bool(a[1], "requires_grad"), IsParameter = true };
    }

    private static string NewDevice(object?[] a) => a switch
    {
        [string type] => type,
        [string type, long index] => $"{type}:{index}",
        [string type, null] => type,
        _ => throw new InvalidDataException("expected (type) or (type, index)"),
    };

    // Protocol 2 has no bytes opcode: Python 3 pickles b"…" as _codecs.encode("…", "latin1").
    private static byte[] Encode(object?[] a) => a switch
    {
        [string text, "latin1" or "latin-1" or "iso-8859-1"] => Encoding.Latin1.GetBytes(text),
        [string text, "utf-8" or "utf8"] => Encoding.UTF8.GetBytes(text),
        [string text] => Encoding.UTF8.GetBytes(text),
        _ => throw new InvalidDataException("expected (str, encoding) with the encoding latin1 or utf-8"),
    };

    private static void NoHooks(object? hooks)
    {
        if (hooks is null || hooks is OrderedDictionary<object, object?> { Count: 0 }) return;
        throw new InvalidDataException("backward hooks are not supported");
    }

    private static long Long(object? v, string what) =>
        v as long? ?? throw new InvalidDataException($"{what} is a {PickleValues.TypeName(v)}, not an int");

    private static bool Bool(object? v, string what) =>
        v as bool? ?? throw new InvalidDataException($"{what} is a {PickleValues.TypeName(v)}, not a bool");

    private static long[] Longs(object? v, string what) =>
        v is object?[] or List<object?> ? ((IEnumerable<object?>)v).Select(x => Long(x, what)).ToArray()
        : throw new InvalidDataException($"{what} is a {PickleValues.TypeName(v)}, not a tuple of ints");

    private static object?[] Tuple(object? v, string what) =>
        v is object?[] or List<object?> ? ((IEnumerable<object?>)v).ToArray()
        : throw new InvalidDataException($"{what} needs a tuple, not a {PickleValues.TypeName(v)}");
}
