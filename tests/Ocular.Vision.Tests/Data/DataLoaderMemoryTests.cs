using System.Runtime.InteropServices;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets.Shapes;
using Xunit.Abstractions;

namespace Ocular.Vision.Tests.Data;

/// <summary>Measures the native heap, so it runs alone.</summary>
[Collection(GlobalStateCollection.Name)]
public partial class DataLoaderMemoryTests(ITestOutputHelper output)
{
    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
    }

    [LibraryImport("libc", EntryPoint = "mallinfo2")]
    private static partial MallInfo2 mallinfo2();

    // Bytes allocated by malloc (libtorch's CPU allocator) and not freed, in every arena, mmapped blocks included.
    private static long NativeHeap()
    {
        var info = mallinfo2();
        return (long)(info.Uordblks + info.Hblkhd);
    }

    [Fact]
    public void EpochsRunInFlatNativeMemoryIncludingEarlyBreaks()
    {
        var data = new ShapesDataset(new ShapesOptions { Count = 96, Seed = 2, ImageSize = 128 });
        var loader = new DataLoader(data, new DataLoaderOptions
        {
            BatchSize = 16, Shuffle = true, Workers = 2, Prefetch = 8, Transform = new NoiseTransform(),
        });
        var yielded = new List<Batch>();
        void Epochs(int count)
        {
            for (var e = 0; e < count; e++)
            {
                foreach (var batch in loader.Epoch(e)) { batch.Dispose(); yielded.Add(batch); }
                foreach (var batch in loader.Epoch(e)) { batch.Dispose(); break; } // the workers' prepared batches are freed
            }
        }
        Epochs(3); // warm up: thread pools, allocator caches, tiered JIT compilation
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        // No garbage collection while measuring: a leaked tensor's finalizer would otherwise hide the leak.
        var noGc = GC.TryStartNoGCRegion(200L << 20);
        long growth;
        try
        {
            var before = NativeHeap();
            Epochs(4);
            growth = NativeHeap() - before;
        }
        finally
        {
            if (noGc && System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        }
        // The heap moves by ~10 MB without a leak (the runtime's own allocations), so the batches are large enough for
        // a leak to stand out: a batch of 16 128×128 samples holds ~6.5 MB, so leaking the batches prepared ahead of
        // each early break would hold well over 100 MB after 4 epochs.
        output.WriteLine($"native heap growth over 4 epochs: {growth / 1024.0:F0} KiB (GC paused: {noGc})");
        Assert.True(growth < 48L << 20, $"the native heap grew by {growth} bytes");
        Assert.Equal(0, Batch.Live);
        Assert.All(yielded, b => Assert.True(b.Images.IsDisposed && b.Labels.IsDisposed && b.EvidenceMasks!.IsDisposed && b.ConceptMasks!.IsDisposed));
    }
}
