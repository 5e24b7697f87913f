using System.Runtime.InteropServices;
using Ocular.Torch.Interop;

namespace Ocular.Torch;

public partial class Tensor
{
    /// <summary>True when autograd records operations on this tensor.</summary>
    public bool RequiresGrad => Native.ocl_requires_grad(Handle) != 0;

    /// <summary>Turns gradient recording on (or off) for a leaf tensor; returns this tensor.</summary>
    public Tensor RequiresGrad_(bool requiresGrad = true)
    {
        TorchException.Check(Native.ocl_set_requires_grad(Handle, requiresGrad ? 1 : 0));
        return this;
    }

    /// <summary>True for tensors created by the user rather than by a recorded operation.</summary>
    public bool IsLeaf => Native.ocl_is_leaf(Handle) != 0;

    /// <summary>The name of the autograd node that produced this tensor (empty for leaves).</summary>
    public string GradFnName => Marshal.PtrToStringUTF8(Native.ocl_grad_fn_name(Handle)) ?? "";

    /// <summary>True for tensors created in inference mode (they can never join autograd).</summary>
    public bool IsInference => Native.ocl_is_inference(Handle) != 0;

    /// <summary>
    /// Back-propagates from this tensor. A scalar needs no <paramref name="gradient"/>; otherwise pass
    /// dL/d(this). The graph is freed unless <paramref name="retainGraph"/> (default: same as
    /// <paramref name="createGraph"/>).
    /// </summary>
    public void Backward(Tensor? gradient = null, bool? retainGraph = null, bool createGraph = false) =>
        TorchException.Check(Native.ocl_backward(Handle, HandleOf(gradient), retainGraph is null ? -1 : retainGraph.Value ? 1 : 0, createGraph ? 1 : 0));

    /// <summary>
    /// The gradient accumulated by <see cref="Backward"/> (a new handle each call; dispose it), or null
    /// when there is none.
    /// </summary>
    public Tensor? Grad
    {
        get
        {
            var p = Native.ocl_grad(Handle);
            if (p == IntPtr.Zero)
            {
                var error = TorchException.LastErrorOrNull();
                return error is null ? null : throw new TorchException(error);
            }
            return new Tensor(p);
        }
        set => TorchException.Check(Native.ocl_set_grad(Handle, HandleOf(value)));
    }

    /// <summary>Keeps the gradient of a non-leaf tensor in <see cref="Grad"/> after backward.</summary>
    public Tensor RetainGrad()
    {
        TorchException.Check(Native.ocl_retain_grad(Handle));
        return this;
    }

    /// <summary>The same data, cut from the autograd graph.</summary>
    public Tensor Detach() => Wrap(Native.ocl_detach(Handle));

    /// <summary>In place: cuts this tensor from the autograd graph.</summary>
    public Tensor Detach_()
    {
        TorchException.Check(Native.ocl_detach_(Handle));
        return this;
    }
}

/// <summary>Gradient computation and the thread's autograd modes.</summary>
public static class Autograd
{
    /// <summary>
    /// The gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/>, as
    /// <c>torch.autograd.grad</c>. An entry of <paramref name="gradOutputs"/> may be null for a scalar
    /// output. With <paramref name="allowUnused"/>, an input the outputs do not depend on gives null.
    /// </summary>
    public static unsafe Tensor?[] Grad(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs,
        IReadOnlyList<Tensor?>? gradOutputs = null, bool? retainGraph = null, bool createGraph = false, bool allowUnused = false)
    {
        if (gradOutputs is not null && gradOutputs.Count != outputs.Count)
            throw new ArgumentException($"{gradOutputs.Count} gradient outputs were given for {outputs.Count} outputs", nameof(gradOutputs));
        var result = new IntPtr[inputs.Count];
        var keep = outputs.Concat(inputs).Concat(gradOutputs?.Where(g => g is not null).Select(g => g!) ?? []).ToList();
        var rc = Tensor.WithHandles(keep, (_, _) =>
        {
            var outs = outputs.Select(t => t.Handle.DangerousGetHandle()).ToArray();
            var ins = inputs.Select(t => t.Handle.DangerousGetHandle()).ToArray();
            var gos = gradOutputs?.Select(t => t?.Handle.DangerousGetHandle() ?? IntPtr.Zero).ToArray();
            fixed (IntPtr* o = outs)
            fixed (IntPtr* i = ins)
            fixed (IntPtr* g = gos)
            fixed (IntPtr* r = result)
                return (IntPtr)Native.ocl_autograd_grad(o, outs.Length, i, ins.Length, gos is null ? null : g,
                    retainGraph is null ? -1 : retainGraph.Value ? 1 : 0, createGraph ? 1 : 0, allowUnused ? 1 : 0, r);
        });
        TorchException.Check((int)rc);
        return result.Select(Tensor.WrapOptional).ToArray();
    }

    /// <summary>True when this thread records operations for autograd.</summary>
    public static bool IsGradEnabled => Native.ocl_is_grad_enabled() != 0;

    /// <summary>Stops recording on this thread until the returned scope is disposed (as <c>torch.no_grad()</c>).</summary>
    public static IDisposable NoGrad() => new GradModeScope(false);

    /// <summary>Records on this thread until the returned scope is disposed (as <c>torch.enable_grad()</c>).</summary>
    public static IDisposable EnableGrad() => new GradModeScope(true);

    /// <summary>
    /// Inference mode on this thread until disposed (as <c>torch.inference_mode()</c>): faster than
    /// <see cref="NoGrad"/>, but tensors made inside can never be used by autograd. Dispose on the same thread.
    /// </summary>
    public static IDisposable InferenceMode() => new InferenceModeScope();

    /// <summary>True when this thread is in inference mode.</summary>
    public static bool IsInferenceModeEnabled => Native.ocl_is_inference_mode_enabled() != 0;

    private sealed class GradModeScope : IDisposable
    {
        private readonly bool _previous;
        private bool _disposed;

        public GradModeScope(bool enabled)
        {
            _previous = IsGradEnabled;
            Native.ocl_set_grad_enabled(enabled ? 1 : 0);
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Native.ocl_set_grad_enabled(_previous ? 1 : 0);
        }
    }

    private sealed class InferenceModeScope : IDisposable
    {
        private IntPtr _guard;

        public InferenceModeScope()
        {
            _guard = Native.ocl_inference_mode_enter(1);
            if (_guard == IntPtr.Zero) throw TorchException.FromLastError();
        }

        public void Dispose()
        {
            if (_guard == IntPtr.Zero) return;
            Native.ocl_inference_mode_exit(_guard);
            _guard = IntPtr.Zero;
        }
    }
}
