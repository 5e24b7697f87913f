using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Ocular.Torch;
using Ocular.Torch.Nn;

namespace Ocular.Vision.Models;

/// <summary>
/// Captures the outputs (activations) of one or several layers during a forward pass, and their
/// gradients in the backward pass, without changing the model: forward hooks keep a handle to each
/// layer's output and, when the output is recorded by autograd, call <c>retain_grad()</c> on it —
/// what PyTorch code does with <c>register_forward_hook</c> and <c>output.retain_grad()</c>.
/// Dispose the capture to remove the hooks and free every captured tensor.
/// </summary>
/// <remarks>
/// <para><b>In-place layers.</b> The captured activation is the layer's output tensor itself, as a
/// PyTorch hook sees it. When a later in-place operation overwrites it (torchvision's
/// <c>ReLU(inplace=True)</c> after a convolution, or a residual block's <c>out += identity</c> after
/// its last batch norm), the capture shows the overwritten values — in PyTorch too, since the hooked
/// tensor shares the storage. Its gradient follows the same tensor: libtorch 1.13 moves
/// <c>retain_grad()</c> to the in-place result, so the gradient is taken with respect to the
/// post-ReLU values (a <c>register_hook</c> on the hooked output, as pytorch-grad-cam uses,
/// would instead give the gradient of the pre-ReLU values). To capture a convolution's
/// pre-activation output, capture the preceding layer of a non-in-place model, or clone in your own hook.</para>
/// <para><b>Repeated calls.</b> A module run several times in one forward pass (torchvision's shared
/// <c>relu</c> in a residual block) keeps its last output. A new forward pass replaces, and frees,
/// the previous activations and gradients: <c>Clone()</c> what must outlive it.</para>
/// </remarks>
/// <example>
/// <code>
/// using var capture = LayerCapture.Attach(model, "layer4");
/// using var logits = model.Call(images);
/// using var score = logits.Max(1).Values.Sum();   // or the target class's logits
/// score.Backward();
/// var a = capture.Activations["layer4"];          // [N, 512, 7, 7], owned by the capture
/// var g = capture.Gradients["layer4"];            // d score / d a
/// </code>
/// </example>
public sealed class LayerCapture : IDisposable
{
    private readonly string[] _layers;
    private readonly Dictionary<string, Entry> _entries = [];
    private readonly List<IDisposable> _hooks = [];
    private bool _disposed;

    private sealed class Entry
    {
        public Tensor? Activation;
        public Tensor? Gradient;
        public bool Recorded;
    }

    private LayerCapture(Module model, string[] layers, bool gradients)
    {
        _layers = layers;
        CapturesGradients = gradients;
        foreach (var path in layers)
        {
            var entry = _entries[path] = new Entry();
            _hooks.Add(model.GetSubmodule(path).RegisterForwardHook((_, _, output) =>
            {
                Store(entry, output);
                return null;
            }));
        }
    }

    /// <summary>Captures the activations of <paramref name="layers"/> (torchvision paths) and, when recorded by autograd, their gradients.</summary>
    /// <exception cref="UnknownLayerException">A path names no layer (the message lists the valid ones).</exception>
    public static LayerCapture Attach(Module model, params string[] layers) => Attach(model, layers, gradients: true);

    /// <summary>
    /// Captures the activations of <paramref name="layers"/>; with <paramref name="gradients"/>,
    /// retains their gradients too whenever the forward pass records them.
    /// </summary>
    /// <exception cref="UnknownLayerException">A path names no layer (the message lists the valid ones).</exception>
    public static LayerCapture Attach(Module model, IEnumerable<string> layers, bool gradients)
    {
        if (model is TorchScript.TorchScriptClassifier script)
            throw new NotSupportedException($"{script.Architecture}: forward hooks do not fire inside a TorchScript graph, so LayerCapture cannot " +
                                            "capture its layers; take a layer's output from Classifier.Split(layer) (what every method does)");
        var paths = layers.Distinct().ToArray();
        if (paths.Length == 0) throw new ArgumentException("name at least one layer to capture", nameof(layers));
        foreach (var path in paths)
        {
            if (string.IsNullOrEmpty(path)) throw new ArgumentException("a layer path is empty; name a layer such as 'layer4'", nameof(layers));
            model.GetSubmodule(path);
        }
        return new LayerCapture(model, paths, gradients);
    }

    /// <summary>The captured layer paths, in the order given.</summary>
    public IReadOnlyList<string> Layers => _layers;

    /// <summary>True when gradients are retained (see <see cref="Attach(Module, IEnumerable{string}, bool)"/>).</summary>
    public bool CapturesGradients { get; }

    /// <summary>The activations by layer path (owned by the capture; valid until the next forward pass or <see cref="Dispose"/>).</summary>
    public IReadOnlyDictionary<string, Tensor> Activations => new View(this, Activation);

    /// <summary>The gradients by layer path, after a backward pass (owned by the capture; valid until the next forward pass or <see cref="Dispose"/>).</summary>
    public IReadOnlyDictionary<string, Tensor> Gradients => new View(this, Gradient);

    /// <summary>The output of <paramref name="layer"/> in the last forward pass.</summary>
    public Tensor Activation(string layer)
    {
        var entry = Find(layer);
        return entry.Activation ?? throw new InvalidOperationException(
            $"no activation of '{layer}' has been captured: run the model's forward pass after LayerCapture.Attach");
    }

    /// <summary>
    /// The gradient of the last backward pass with respect to <paramref name="layer"/>'s output
    /// (its <c>.grad</c>, kept by <c>retain_grad()</c>), or the one set by <see cref="ComputeGradients"/>.
    /// </summary>
    public Tensor Gradient(string layer)
    {
        var entry = Find(layer);
        if (entry.Gradient is not null) return entry.Gradient;
        var activation = Activation(layer);
        CheckRecorded(layer, entry);
        var grad = activation.Grad ?? throw new InvalidOperationException(
            $"no gradient has reached '{layer}': call Backward() on a scalar computed from the model's output after the forward pass " +
            "(or use ComputeGradients), and check that the output depends on this layer");
        return entry.Gradient = DisposeScope.Detach(grad);
    }

    /// <summary>
    /// Computes the gradients of <paramref name="output"/> with respect to every captured activation
    /// with <c>torch.autograd.grad</c> (nothing accumulates in the parameters' <c>.grad</c>) and makes
    /// them <see cref="Gradients"/>. A non-scalar output needs <paramref name="gradOutput"/>
    /// (e.g. a one-hot of the target classes).
    /// </summary>
    public void ComputeGradients(Tensor output, Tensor? gradOutput = null, bool retainGraph = false)
    {
        var entries = _layers.Select(l => (Layer: l, Entry: Find(l))).ToArray();
        foreach (var (layer, entry) in entries)
        {
            Activation(layer);
            CheckRecorded(layer, entry);
        }
        var grads = Autograd.Grad([output], [.. entries.Select(e => e.Entry.Activation!)], [gradOutput], retainGraph, allowUnused: true);
        var unused = Array.FindIndex(grads, g => g is null);
        if (unused >= 0)
        {
            foreach (var g in grads) g?.Dispose();
            throw new InvalidOperationException($"the output does not depend on '{entries[unused].Layer}': no gradient can be computed for it");
        }
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i].Entry;
            entry.Gradient?.Dispose();
            entry.Gradient = DisposeScope.Detach(grads[i]!);
        }
    }

    /// <summary>Frees the captured activations and gradients (the hooks stay).</summary>
    public void Clear()
    {
        foreach (var entry in _entries.Values)
        {
            entry.Activation?.Dispose();
            entry.Gradient?.Dispose();
            entry.Activation = entry.Gradient = null;
            entry.Recorded = false;
        }
    }

    /// <summary>Removes the hooks and frees every captured tensor.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var hook in _hooks) hook.Dispose();
        _hooks.Clear();
        Clear();
    }

    private void Store(Entry entry, Tensor output)
    {
        entry.Activation?.Dispose();
        entry.Gradient?.Dispose();
        entry.Gradient = null;
        // The capture owns its handle: no DisposeScope of the forward pass may free it.
        entry.Activation = DisposeScope.Detach(output.Alias());
        entry.Recorded = output.RequiresGrad;
        if (CapturesGradients && entry.Recorded) output.RetainGrad();
    }

    private Entry Find(string layer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _entries.TryGetValue(layer, out var entry) ? entry : throw new KeyNotFoundException(
            $"'{layer}' is not captured; captured layers: {string.Join(", ", _layers)} (attach a capture for it with LayerCapture.Attach)");
    }

    private void CheckRecorded(string layer, Entry entry)
    {
        if (!CapturesGradients)
            throw new InvalidOperationException($"this capture of '{layer}' was attached without gradients: attach it with gradients: true");
        if (!entry.Recorded)
            throw new InvalidOperationException(
                $"the output of '{layer}' was computed without gradient recording, so it has no gradient: run the forward pass with gradients " +
                "enabled (not under Autograd.NoGrad() or InferenceMode()), and if the model's parameters are frozen, call input.RequiresGrad_() first");
    }

    /// <summary>A read-only dictionary over the captured layers that have a value.</summary>
    private sealed class View(LayerCapture owner, Func<string, Tensor> get) : IReadOnlyDictionary<string, Tensor>
    {
        public Tensor this[string key] => get(key);
        public IEnumerable<string> Keys => owner._layers.Where(ContainsKey);
        public IEnumerable<Tensor> Values => Keys.Select(get);
        public int Count => Keys.Count();

        public bool ContainsKey(string key) => TryGetValue(key, out _);

        public bool TryGetValue(string key, [MaybeNullWhen(false)] out Tensor value)
        {
            value = null;
            if (!owner._entries.ContainsKey(key)) return false;
            try
            {
                value = get(key);
                return true;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }

        public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() =>
            Keys.Select(k => new KeyValuePair<string, Tensor>(k, get(k))).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
