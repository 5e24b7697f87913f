using System.Runtime.InteropServices;
using Ocular.Torch.Interop;

namespace Ocular.Torch;

/// <summary>What the processor offers the kernels: the instruction sets the kernel's flags list, and the one ATen dispatches for.</summary>
public static class CpuFeatures
{
    /// <summary>The environment variable that overrides the bfloat16 detection: <c>1</c> (native) or <c>0</c> (not); for tests, and hosts that hide flags.</summary>
    public const string NativeBf16Variable = "OCULAR_NATIVE_BF16";

    private static readonly Lazy<IReadOnlySet<string>> Flags = new(ReadFlags);

    /// <summary>The CPU flags of the first processor in <c>/proc/cpuinfo</c> (empty where it cannot be read).</summary>
    public static IReadOnlySet<string> ProcessorFlags => Flags.Value;

    /// <summary>The vector instruction set ATen's CPU kernels were dispatched for — DEFAULT, AVX2 or AVX512 — as libtorch's build summary reports it ("CPU capability usage").</summary>
    public static string AtenCapability => Marshal.PtrToStringUTF8(Native.ocl_cpu_capability()) ?? "";

    /// <summary>
    /// Whether the processor computes bfloat16 natively — AVX-512 BF16 (<c>avx512_bf16</c>) or AMX (<c>amx_bf16</c>) —
    /// which oneDNN uses for bfloat16 convolutions and matrix products; elsewhere bfloat16 is emulated and slower than
    /// float32. <see cref="NativeBf16Variable"/> overrides the detection.
    /// </summary>
    public static bool HasNativeBf16 => Environment.GetEnvironmentVariable(NativeBf16Variable) switch
    {
        "1" => true,
        "0" => false,
        _ => ProcessorFlags.Contains("avx512_bf16") || ProcessorFlags.Contains("amx_bf16"),
    };

    /// <summary>The flags that matter for the kernels, present on this processor, in a fixed order (e.g. <c>avx2 fma avx512f avx512_bf16</c>).</summary>
    public static IReadOnlyList<string> VectorFlags =>
        [.. new[] { "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8" }.Where(ProcessorFlags.Contains)];

    private static HashSet<string> ReadFlags()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            return line is null ? [] : [.. line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }
}
