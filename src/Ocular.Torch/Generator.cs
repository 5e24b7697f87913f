using Ocular.Torch.Interop;

namespace Ocular.Torch;

/// <summary>
/// A CPU random-number generator (libtorch's Philox/MT19937 generator, the same as
/// <c>torch.Generator()</c>): a seeded generator reproduces PyTorch's draws exactly.
/// </summary>
public sealed class Generator : IDisposable
{
    internal GeneratorHandle Handle { get; }

    /// <summary>Creates a generator seeded with <paramref name="seed"/>.</summary>
    public Generator(ulong seed) => Handle = Wrap(Native.ocl_generator_new(seed));

    private Generator(GeneratorHandle handle) => Handle = handle;

    /// <summary>libtorch's global CPU generator (the one <see cref="Engine.ManualSeed"/> seeds).</summary>
    public static Generator Default() => new(Wrap(Native.ocl_generator_default()));

    private static GeneratorHandle Wrap(IntPtr p) =>
        p == IntPtr.Zero ? throw TorchException.FromLastError() : new GeneratorHandle(p);

    /// <summary>Re-seeds the generator.</summary>
    public void ManualSeed(ulong seed) => TorchException.Check(Native.ocl_generator_set_seed(Handle, seed));

    /// <summary>The seed the generator was last seeded with.</summary>
    public ulong InitialSeed => Native.ocl_generator_initial_seed(Handle);

    /// <summary>The full state (a uint8 tensor), to save with a checkpoint.</summary>
    public Tensor GetState() => Tensor.Wrap(Native.ocl_generator_get_state(Handle));

    /// <summary>Restores a state returned by <see cref="GetState"/>.</summary>
    public void SetState(Tensor state) => TorchException.Check(Native.ocl_generator_set_state(Handle, state.Handle));

    /// <summary>Releases the native generator.</summary>
    public void Dispose() => Handle.Dispose();

    internal static GeneratorHandle HandleOf(Generator? g) => g?.Handle ?? GeneratorHandle.Null;
}
