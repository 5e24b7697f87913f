using System.Runtime.InteropServices;
using Ocular.Torch.Interop;

namespace Ocular.Torch.Jit;

/// <summary>
/// A copy of a TorchScript model's forward graph cut at layers (<see cref="ScriptModule.Cut"/>,
/// <see cref="ScriptModule.Capture"/>), sharing the model's weights. It runs through libtorch's graph executor, with
/// autograd when gradients are enabled.
/// </summary>
public sealed class ScriptCut : IDisposable
{
    private readonly ScriptCutHandle _handle;

    private ScriptCut(ScriptCutHandle handle)
    {
        _handle = handle;
        var info = Native.ocl_jit_cut_info(handle);
        ReadsInput = (info & 1) != 0;
        StartsAtLayer = (info & 2) != 0;
        Outputs = info >> 16;
    }

    internal static ScriptCut Wrap(IntPtr p) =>
        p == IntPtr.Zero ? throw new ArgumentException(TorchException.LastError()) : new ScriptCut(new ScriptCutHandle(p));

    /// <summary>Whether the graph reads the model's input image (a cut that starts at a layer may still: a skip from the input).</summary>
    public bool ReadsInput { get; }

    /// <summary>Whether the graph starts at a layer's output.</summary>
    public bool StartsAtLayer { get; }

    /// <summary>How many tensors <see cref="Run"/> returns.</summary>
    public int Outputs { get; }

    /// <summary>The graph, as TorchScript IR text.</summary>
    public string Graph
    {
        get
        {
            var p = Native.ocl_jit_cut_graph(Handle);
            return p == IntPtr.Zero ? throw TorchException.FromLastError() : Marshal.PtrToStringUTF8(p) ?? "";
        }
    }

    private ScriptCutHandle Handle => _handle.IsClosed ? throw new ObjectDisposedException(nameof(ScriptCut)) : _handle;

    /// <summary>Runs the graph on the model input <paramref name="input"/> (when it <see cref="ReadsInput"/>) and the layer output <paramref name="activation"/> (when it <see cref="StartsAtLayer"/>).</summary>
    /// <exception cref="TorchException">An input the graph needs is missing, or the graph failed (libtorch's message).</exception>
    public Tensor[] Run(Tensor? input, Tensor? activation = null)
    {
        var output = new IntPtr[Math.Max(Outputs, 1)];
        var n = TorchException.Check(Native.ocl_jit_cut_run(Handle, Tensor.HandleOf(ReadsInput ? input : null), Tensor.HandleOf(StartsAtLayer ? activation : null),
            output, output.Length));
        return [.. output.Take(n).Select(Tensor.Wrap)];
    }

    /// <summary>Frees the cut.</summary>
    public void Dispose() => _handle.Dispose();
}
