using Ocular.Torch;

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
    private readonly TaskCompletionSource<BatchResult>?[] _slots;
    private readonly SemaphoreSlim _tickets;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread[] _threads;
    private int _next = -1;

    public BatchPipeline(int count, int workers, int prefetch, Func<int, BatchResult> build)
    {
        _build = build;
        _slots = new TaskCompletionSource<BatchResult>?[count];
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
        var slot = _slots[b]!;
        _slots[b] = null;
        try
        {
            return slot.Task.GetAwaiter().GetResult();
        }
        finally
        {
            _tickets.Release();
        }
    }

    private void Work()
    {
        // Grad mode is thread-local in libtorch: data work never records a graph.
        using var noGrad = Autograd.NoGrad();
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
            var slot = _slots[b]!;
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
        foreach (var slot in _slots)
        {
            if (slot is not null && slot.Task.IsCompletedSuccessfully) slot.Task.Result.Batch?.Dispose();
        }
        _stop.Dispose();
        _tickets.Dispose();
    }
}
