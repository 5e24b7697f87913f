using System.Runtime.InteropServices;

namespace Ocular.Torch.Interop;

// native/src/jit.cpp: TorchScript models and cuts of their forward graph.
internal static partial class Native
{
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial IntPtr ocl_jit_load(string path);
    [LibraryImport(Library)] internal static partial IntPtr ocl_jit_load_bytes(byte[] data, long size);
    [LibraryImport(Library)] internal static partial void ocl_jit_free(IntPtr model);
    [LibraryImport(Library)] internal static partial long ocl_jit_save(ScriptModelHandle model, out IntPtr data);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial IntPtr ocl_jit_call(ScriptModelHandle model, string path, TensorHandle input);
    [LibraryImport(Library)] internal static partial IntPtr ocl_jit_forward(ScriptModelHandle model, TensorHandle input);
    [LibraryImport(Library)] internal static partial int ocl_jit_train(ScriptModelHandle model, int on);
    [LibraryImport(Library)] internal static partial int ocl_jit_is_training(ScriptModelHandle model);
    [LibraryImport(Library)] internal static partial IntPtr ocl_jit_modules(ScriptModelHandle model);
    [LibraryImport(Library)] internal static partial IntPtr ocl_jit_layers(ScriptModelHandle model);
    [LibraryImport(Library)] internal static partial int ocl_jit_tensors(ScriptModelHandle model, int buffers, IntPtr[] output, int capacity, out IntPtr names);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial IntPtr ocl_jit_capture(ScriptModelHandle model, string[] paths, int count);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial IntPtr ocl_jit_cut(ScriptModelHandle model, string? from, string? to);
    [LibraryImport(Library)] internal static partial void ocl_jit_cut_free(IntPtr cut);
    [LibraryImport(Library)] internal static partial int ocl_jit_cut_info(ScriptCutHandle cut);
    [LibraryImport(Library)] internal static partial int ocl_jit_cut_run(ScriptCutHandle cut, TensorHandle input, TensorHandle activation, IntPtr[] output, int capacity);
    [LibraryImport(Library)] internal static partial IntPtr ocl_jit_cut_graph(ScriptCutHandle cut);
}

/// <summary>Owns one TorchScript module of the shim.</summary>
internal sealed class ScriptModelHandle(IntPtr handle) : OwnedHandle(handle)
{
    protected override void Free(IntPtr pointer) => Native.ocl_jit_free(pointer);
}

/// <summary>Owns one cut of a TorchScript forward graph.</summary>
internal sealed class ScriptCutHandle(IntPtr handle) : OwnedHandle(handle)
{
    protected override void Free(IntPtr pointer) => Native.ocl_jit_cut_free(pointer);
}
