namespace Ocular.Vision.Data;

/// <summary>
/// Derives independent seeds from one seed and a few keys (split, epoch, …), so that one seed drives a
/// whole run. libtorch's CPU generator (MT19937) uses only the low 32 bits of a seed; per-item seeds are
/// therefore <c>Derive(seed, keys) + index</c>, distinct for up to 2^32 items of one stream.
/// </summary>
public static class Seeds
{
    /// <summary>A seed derived from <paramref name="seed"/> and <paramref name="keys"/> by SplitMix64 mixing.</summary>
    public static ulong Derive(ulong seed, params ReadOnlySpan<ulong> keys)
    {
        var h = Mix(seed ^ 0x6A09E667F3BCC908UL);
        foreach (var key in keys) h = Mix(h ^ Mix(key + 0x9E3779B97F4A7C15UL));
        return h;
    }

    /// <summary>The seed of item <paramref name="index"/> of the stream <paramref name="streamSeed"/>.</summary>
    public static ulong ForItem(ulong streamSeed, long index) => unchecked(streamSeed + (ulong)index);

    // SplitMix64's finaliser (Steele, Lea & Flood 2014).
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
