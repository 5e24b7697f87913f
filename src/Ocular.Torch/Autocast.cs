using Ocular.Torch.Interop;

namespace Ocular.Torch;

/// <summary>
/// A scope of libtorch's CPU autocast, as <c>with torch.autocast("cpu", dtype=torch.bfloat16):</c>: inside it, the
/// operations on PyTorch's autocast lists (convolutions, matrix products, linear layers, …) run in the scope's data type
/// and those that need the range (softmax, losses, norms, …) in float32, the same lists PyTorch uses. Parameters stay
/// float32 (the master weights); outputs of low-precision operations are in the low type. Scopes nest: disposing one
/// restores the state it found, and leaving the outermost clears libtorch's cache of cast weights. The state is
/// per thread, as PyTorch's: dispose the scope on the thread that entered it.
/// </summary>
public sealed class Autocast : IDisposable
{
    private readonly bool _wasEnabled;
    private readonly ScalarType _previousType;
    private readonly int _thread = Environment.CurrentManagedThreadId;
    private bool _disposed;

    private Autocast(bool enabled, ScalarType dtype)
    {
        (_wasEnabled, _previousType) = (IsEnabled, DType);
        TorchException.Check(Native.ocl_autocast_cpu_set(enabled ? 1 : 0, (int)dtype));
        Native.ocl_autocast_nesting(+1);
    }

    /// <summary>
    /// Enters a scope (default bfloat16, the type CPU autocast supports); <paramref name="enabled"/> false enters a scope
    /// with autocast off (as <c>torch.autocast(..., enabled=False)</c>: a float32 region inside a mixed-precision one).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not bfloat16 (libtorch 1.13's CPU autocast accepts only it).</exception>
    public static Autocast Enter(ScalarType dtype = ScalarType.BFloat16, bool enabled = true)
    {
        if (dtype != ScalarType.BFloat16)
            throw new ArgumentException($"CPU autocast runs in bfloat16 only (libtorch {Engine.TorchVersion}), not {dtype}", nameof(dtype));
        return new Autocast(enabled, dtype);
    }

    /// <summary>
    /// A float32 region inside a mixed-precision one — for arithmetic that is not the network's (a map's weighted sum of
    /// channels, RISE's accumulation), which bfloat16 would round — or null when autocast is off on this thread.
    /// </summary>
    public static Autocast? Float32Region() => IsEnabled ? Enter(enabled: false) : null;

    /// <summary>Whether CPU autocast is on for this thread.</summary>
    public static bool IsEnabled
    {
        get
        {
            Native.ocl_autocast_cpu_state(out var enabled, out _);
            return enabled != 0;
        }
    }

    /// <summary>The data type CPU autocast casts to on this thread.</summary>
    public static ScalarType DType
    {
        get
        {
            Native.ocl_autocast_cpu_state(out _, out var dtype);
            return (ScalarType)dtype;
        }
    }

    /// <summary>Leaves the scope: the autocast state it found is restored.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (Environment.CurrentManagedThreadId != _thread)
            throw new InvalidOperationException("an autocast scope must be left on the thread that entered it (the state is per thread)");
        _disposed = true;
        Native.ocl_autocast_nesting(-1);
        TorchException.Check(Native.ocl_autocast_cpu_set(_wasEnabled ? 1 : 0, (int)_previousType));
    }
}
