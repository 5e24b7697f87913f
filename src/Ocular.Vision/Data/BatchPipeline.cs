using Ocular.Torch;
using Ocular.Vision.Interop;

namespace Ocular.Vision.Data;

/// <summary>
/// Worker threads that build batches 0 … n−1 ahead of the consumer. A worker takes the next batch number
/// only after acquiring one of <c>prefetch</c> tickets, and the consumer returns a ticket when it takes a
/// batch, so at most <c>prefetch</c> batches are in progress or waiting. Results are delivered in batch
/// order whatever thread built them; an exception is delivered in place of its batch.
/// </summary>
internal sealed class BatchPipeline : IDisposable
{
    private readonly Func<int, BatchResult> _build;
    private readonly TaskCompletionSource<BatchResult>[] _slots;
    private readonly bool[] _taken;
    private readonly SemaphoreSlim _tickets;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread[] _threads;
    private int _next = -1;

    public BatchPipeline(int count, int workers, int prefetch, Func<int, BatchResult> build)
    {
        _build = build;
        _slots = new TaskCompletionSource<BatchResult>[count];
        _taken = new bool[count];
        for (var b = 0; b < count; b++) _slots[b] = new TaskCompletionSource<BatchResult>();
        _tickets = new SemaphoreSlim(prefetch);
        _threads = new Thread[workers];
        for (var w = 0; w < workers; w++)
        {
            _threads[w] = new Thread(Work) { IsBackground = true, Name = $"ocular-data-worker-{w}" };
            _threads[w].Start();
        }
    }

    /// <summary>Waits for batch <paramref name="b"/> (taken in order) and returns it, or throws its exception.</summary>
    public BatchResult Take(int b)
    {
        _taken[b] = true; // from here on the consumer owns the result (or the exception)
        try
        {
            return _slots[b].Task.GetAwaiter().GetResult();
        }
        finally
        {
            _tickets.Release();
        }
    }

    private void Work()
    {
        // Grad mode is thread-local in libtorch: data work never records a graph. One intra-op thread per
        // worker (PyTorch's workers call torch.set_num_threads(1)): the workers are the parallelism.
        using var noGrad = Autograd.NoGrad();
        NativeThreads.SetForCurrentThread(1);
        while (true)
        {
            try
            {
                _tickets.Wait(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var b = Interlocked.Increment(ref _next);
            if (b >= _slots.Length || _stop.IsCancellationRequested) return;
            var slot = _slots[b];
            try
            {
                slot.SetResult(_build(b));
            }
            catch (Exception e)
            {
                slot.SetException(e);
            }
        }
    }

    /// <summary>Stops the workers and frees the batches they prepared that were never taken.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        foreach (var thread in _threads) thread.Join();
        for (var b = 0; b < _slots.Length; b++)
        {
            if (!_taken[b] && _slots[b].Task.IsCompletedSuccessfully) _slots[b].Task.Result.Batch?.Dispose();
        }
        _stop.Dispose();
        _tickets.Dispose();
    }
}
