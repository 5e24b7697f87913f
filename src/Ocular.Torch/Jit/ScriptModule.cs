using System.IO.Compression;
using System.Runtime.InteropServices;
using Ocular.Torch.Interop;

namespace Ocular.Torch.Jit;

/// <summary>
/// A TorchScript model (<c>torch.jit.script</c> or <c>torch.jit.trace</c>, saved with <c>torch.jit.save</c>), loaded by
/// libtorch's own <c>torch::jit::load</c> on the CPU: its architecture is the graph in the file, not a re-implementation.
/// Its layers are its submodules by path (<c>features.denseblock4</c>); <see cref="Capture"/> and <see cref="Cut"/> give
/// copies of the forward graph that return a layer's output, or start or stop at it.
/// </summary>
/// <remarks>
/// Loading runs no Python: libtorch reads the archive's TorchScript code with its own compiler, and the pickled
/// constants with a restricted unpickler that builds only tensors and TorchScript types. A TorchScript program can still
/// do anything its ops allow when it runs (read or write files with <c>aten::save</c>-like ops, for one), so run models
/// you trust — as with any program.
/// </remarks>
public sealed class ScriptModule : IDisposable
{
    private readonly ScriptModelHandle _handle;

    private ScriptModule(ScriptModelHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    /// <summary>The file it was loaded from.</summary>
    public string Path { get; }

    internal ScriptModelHandle Handle => _handle.IsClosed ? throw new ObjectDisposedException(nameof(ScriptModule)) : _handle;

    /// <summary>Loads a TorchScript archive.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a TorchScript archive: not a zip (e.g. truncated), or a
    /// <c>torch.save</c> pickle such as a state dict (the message says how to export TorchScript), or libtorch refuses it.</exception>
    public static ScriptModule Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such TorchScript file", path);
        CheckArchive(path);
        var p = Native.ocl_jit_load(System.IO.Path.GetFullPath(path));
        if (p == IntPtr.Zero) throw new InvalidDataException($"{path}: libtorch cannot load it as TorchScript: {TorchException.LastError()}");
        return new ScriptModule(new ScriptModelHandle(p), path);
    }

    /// <summary>Loads a TorchScript archive from its bytes (<paramref name="source"/> names it in messages).</summary>
    /// <exception cref="InvalidDataException">libtorch refuses the bytes.</exception>
    public static ScriptModule Load(byte[] archive, string source)
    {
        var p = Native.ocl_jit_load_bytes(archive, archive.LongLength);
        if (p == IntPtr.Zero) throw new InvalidDataException($"{source}: libtorch cannot load the embedded TorchScript archive: {TorchException.LastError()}");
        return new ScriptModule(new ScriptModelHandle(p), source);
    }

    // torch.jit.save writes a zip with a code/ folder (the TorchScript source) and constants.pkl; torch.save writes a zip
    // with data.pkl alone. Telling them apart here gives a useful message instead of libtorch's.
    private static void CheckArchive(string path)
    {
        string[] names;
        try
        {
            using var zip = ZipFile.OpenRead(path);
            names = [.. zip.Entries.Select(e => e.FullName)];
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: not a TorchScript archive (not a zip file: truncated, or another format): {e.Message}", e);
        }
        var hasCode = names.Any(n => n.Contains("/code/", StringComparison.Ordinal) || n.StartsWith("code/", StringComparison.Ordinal));
        if (!hasCode && names.Any(n => n.EndsWith("data.pkl", StringComparison.Ordinal)))
            throw new InvalidDataException(
                $"{path}: a PyTorch pickle written by torch.save (e.g. a state dict), not TorchScript. Export the model with " +
                "torch.jit.script(model).save(\"model.pt\") (or torch.jit.trace(model, example).save(...)), or import the weights of a zoo " +
                "architecture with `ocular import`");
        if (!hasCode) throw new InvalidDataException($"{path}: a zip file without TorchScript code (no code/ folder): not a torch.jit.save archive");
    }

    /// <summary>The model as a <c>torch.jit.save</c> archive, with its current weights.</summary>
    public byte[] ToArchive()
    {
        var n = Native.ocl_jit_save(Handle, out var data);
        if (n < 0) throw TorchException.FromLastError();
        var bytes = new byte[n];
        Marshal.Copy(data, bytes, 0, checked((int)n));
        return bytes;
    }

    /// <summary>Whether <paramref name="path"/> starts like a zip archive (what <c>torch.jit.save</c> writes; an Ocular checkpoint does not).</summary>
    public static bool LooksLikeArchive(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        return stream.Read(head) == 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4;
    }

    /// <summary>Runs the forward method on one image batch; it must return a tensor.</summary>
    /// <exception cref="TorchException">The forward pass failed, or returned something other than a tensor (the message says what).</exception>
    public Tensor Forward(Tensor input) => Tensor.Wrap(Native.ocl_jit_forward(Handle, input.Handle));

    /// <summary>Runs the forward method of the submodule at <paramref name="path"/> alone on <paramref name="input"/>.</summary>
    /// <exception cref="TorchException">No such submodule, or its forward failed or returned something other than a tensor.</exception>
    public Tensor Call(string path, Tensor input) => Tensor.Wrap(Native.ocl_jit_call(Handle, path, input.Handle));

    /// <summary>Whether the modules are in training mode (batch norm, dropout).</summary>
    public bool Training => TorchException.Check(Native.ocl_jit_is_training(Handle)) != 0;

    /// <summary>Sets training or evaluation mode on every submodule, as <c>module.train(on)</c>.</summary>
    public void Train(bool on = true) => TorchException.Check(Native.ocl_jit_train(Handle, on ? 1 : 0));

    /// <summary>Every submodule (the model itself excluded) as (path, TorchScript type name), depth first as <c>named_modules()</c>.</summary>
    public IReadOnlyList<ScriptSubmodule> Modules()
    {
        var p = Native.ocl_jit_modules(Handle);
        if (p == IntPtr.Zero) throw TorchException.FromLastError();
        var text = Marshal.PtrToStringUTF8(p) ?? "";
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')).Where(f => f[0].Length > 0)
            .Select(f => new ScriptSubmodule(f[0], f[1]))];
    }

    /// <summary>
    /// Every module the forward pass calls, in forward order of their outputs; those called once outside loops and
    /// branches (<see cref="ScriptLayerCall.IsSingleCall"/>) are the layers <see cref="Capture"/> and <see cref="Cut"/> accept.
    /// </summary>
    public IReadOnlyList<ScriptLayerCall> Layers()
    {
        var p = Native.ocl_jit_layers(Handle);
        if (p == IntPtr.Zero) throw TorchException.FromLastError();
        var calls = (Marshal.PtrToStringUTF8(p) ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t'))
            .Select(f => new ScriptLayerCall(f[0], int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture)));
        // Stable: a module and the last module it calls share an output (features, features.norm5): outer first.
        return [.. calls.Select((c, i) => (c, i)).OrderBy(x => x.c.Position < 0 ? int.MaxValue : x.c.Position).ThenBy(x => x.i).Select(x => x.c)];
    }

    /// <summary>The parameters by dotted name; the tensors share the model's storage.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> Parameters() => Tensors(buffers: false);

    /// <summary>The buffers (batch-norm statistics …) by dotted name; the tensors share the model's storage.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> Buffers() => Tensors(buffers: true);

    private List<(string, Tensor)> Tensors(bool buffers)
    {
        var capacity = 4096;
        while (true)
        {
            var handles = new IntPtr[capacity];
            var n = Native.ocl_jit_tensors(Handle, buffers ? 1 : 0, handles, capacity, out var namesPointer);
            if (n < 0 && capacity < 1 << 20) { capacity *= 16; continue; }
            TorchException.Check(n);
            var names = (Marshal.PtrToStringUTF8(namesPointer) ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return [.. Enumerable.Range(0, n).Select(i => (names[i], Tensor.Wrap(handles[i])))];
        }
    }

    /// <summary>A copy of the forward graph that returns, after the logits, the outputs of <paramref name="layers"/> (module paths).</summary>
    /// <exception cref="ArgumentException">A path is not a module called once at the top level of the forward pass (the message lists those that are).</exception>
    public ScriptCut Capture(IReadOnlyList<string> layers)
    {
        if (layers.Count == 0) throw new ArgumentException("name at least one layer to capture", nameof(layers));
        return ScriptCut.Wrap(Native.ocl_jit_capture(Handle, [.. layers], layers.Count));
    }

    /// <summary>
    /// The forward graph from the output of layer <paramref name="from"/> (null: the input image) to the output of layer
    /// <paramref name="to"/> (null: the logits); what the cut no longer needs is removed.
    /// </summary>
    /// <exception cref="ArgumentException">A path is not a module called once at the top level of the forward pass, or <paramref name="to"/> does not depend on <paramref name="from"/>.</exception>
    public ScriptCut Cut(string? from, string? to) => ScriptCut.Wrap(Native.ocl_jit_cut(Handle, from, to));

    /// <summary>Frees the model.</summary>
    public void Dispose() => _handle.Dispose();
}

/// <summary>A module the forward pass of a <see cref="ScriptModule"/> calls.</summary>
/// <param name="Path">Its dotted path.</param>
/// <param name="Position">The forward position of the op that computes its output (-1 inside a loop or a branch).</param>
/// <param name="Calls">How many times the forward pass calls it.</param>
public sealed record ScriptLayerCall(string Path, int Position, int Calls)
{
    /// <summary>Called once, outside loops and branches: its output is one tensor that can be captured or cut at.</summary>
    public bool IsSingleCall => Calls == 1 && Position >= 0;
}

/// <summary>A submodule of a <see cref="ScriptModule"/>.</summary>
/// <param name="Path">Its dotted path (<c>features.denseblock4</c>).</param>
/// <param name="Type">Its TorchScript type (<c>__torch__.torch.nn.modules.conv.Conv2d</c>; scripted user classes keep their Python module path).</param>
public sealed record ScriptSubmodule(string Path, string Type)
{
    /// <summary>The class name: the last part of <see cref="Type"/> (<c>Conv2d</c>, <c>Linear</c>).</summary>
    public string ClassName => Type[(Type.LastIndexOf('.') + 1)..];
}
