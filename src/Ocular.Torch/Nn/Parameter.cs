namespace Ocular.Torch.Nn;

/// <summary>
/// A tensor that is a learnable parameter of a <see cref="Module"/>: it requires gradients (unless
/// frozen) and belongs to its module, not to any <see cref="DisposeScope"/>.
/// </summary>
public sealed class Parameter : Tensor
{
    /// <summary>
    /// Makes a parameter of <paramref name="data"/>'s storage (detached from any graph). The
    /// <paramref name="data"/> object itself is consumed: use the parameter from now on.
    /// </summary>
    public Parameter(Tensor data, bool requiresGrad = true) : base(DetachedHandle(data))
    {
        DisposeScope.Detach(this);
        data.Dispose();
        if (requiresGrad) RequiresGrad_();
    }

    private static IntPtr DetachedHandle(Tensor data)
    {
        var handle = Interop.Native.ocl_detach(data.Handle);
        return handle == IntPtr.Zero ? throw TorchException.FromLastError() : handle;
    }
}
