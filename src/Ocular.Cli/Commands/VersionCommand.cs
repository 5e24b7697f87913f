using System.CommandLine;
using Ocular.Torch;
using Spectre.Console;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular version</c>: versions of Ocular, libtorch and OpenCV, threads, the BLAS in use and where the native library
/// was loaded from. A BLAS other than OpenBLAS has its warning printed by the engine's load (NativeLoader), once.
/// </summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the versions of Ocular, libtorch and OpenCV, the thread count and the BLAS library in use");
        command.SetAction(_ =>
        {
            var blas = Engine.LoadedBlasLibraries();
            var table = new Table().Border(TableBorder.Rounded).AddColumn("component").AddColumn("value");
            table.AddRow("Ocular", Engine.OcularVersion);
            table.AddRow("libtorch", Engine.TorchVersion);
            table.AddRow("OpenCV", Engine.OpenCvVersion);
            table.AddRow("intra-op threads", Engine.NumThreads.ToString(System.Globalization.CultureInfo.InvariantCulture));
            table.AddRow("CUDA", Engine.CudaIsAvailable ? "available" : "not available");
            table.AddRow("ATen kernels", Markup.Escape(CpuFeatures.AtenCapability));
            table.AddRow("processor", Markup.Escape(CpuFeatures.VectorFlags.Count == 0 ? "no vector flags read" : string.Join(" ", CpuFeatures.VectorFlags)));
            table.AddRow("bfloat16", CpuFeatures.HasNativeBf16 ? "native (--precision auto runs bf16)" : "emulated (--precision auto runs fp32)");
            table.AddRow("BLAS loaded", Markup.Escape(blas.Count == 0 ? "none" : string.Join(", ", blas)));
            table.AddRow("libblas.so.3 →", Markup.Escape(Engine.ResolveSystemBlas() ?? "not found"));
            table.AddRow("BLAS check", Engine.BlasWarning is null ? "OpenBLAS (or no libblas.so.3)" : "[yellow]not OpenBLAS (see the warning above)[/]");
            table.AddRow("native library", Markup.Escape(Engine.NativeLibraryPath));
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
