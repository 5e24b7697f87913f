namespace Ocular.Torch;

/// <summary>
/// Runs a function over the first dimension of a tensor in chunks (e.g. thousands of masked
/// copies through a network) and concatenates the results: the one place where "split into
/// batches, free each batch's temporaries, join" is written.
/// </summary>
public static class Batching
{
    /// <summary>
    /// Applies <paramref name="function"/> to consecutive chunks of at most <paramref name="batchSize"/>
    /// rows of <paramref name="input"/> and concatenates the outputs along dimension 0. Temporaries made
    /// by the function are freed after each chunk.
    /// </summary>
    public static Tensor Map(Tensor input, int batchSize, Func<Tensor, Tensor> function)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1");
        var n = input.Size(0);
        if (n <= batchSize)
        {
            using var scope = DisposeScope.Enter();
            return scope.Keep(function(input));
        }
        var outputs = new List<Tensor>();
        try
        {
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = DisposeScope.Enter();
                using var chunk = input.Narrow(0, start, Math.Min(batchSize, n - start));
                outputs.Add(scope.Keep(function(chunk)));
            }
            return Tensor.Cat(outputs, 0);
        }
        finally
        {
            foreach (var o in outputs) o.Dispose();
        }
    }

    /// <summary>Calls <paramref name="function"/> on consecutive index ranges [start, start + count) covering [0, n).</summary>
    public static void ForEachRange(long n, int batchSize, Action<long, long> function)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1");
        for (long start = 0; start < n; start += batchSize)
            function(start, Math.Min(batchSize, n - start));
    }
}
