using Ocular.Torch;
using Ocular.Torch.Distributed;

namespace Ocular.Evaluation.Sharding;

/// <summary>
/// Byte payloads of different lengths exchanged between the ranks, as <c>torch.distributed.all_gather_object</c> exchanges
/// its pickles: the lengths are all-gathered first, then the payloads, padded to the longest (a collective needs tensors of
/// one shape on every rank).
/// </summary>
public static class RankPayloads
{
    /// <summary>Every rank's <paramref name="payload"/>, in rank order (this rank's included); every rank must call it.</summary>
    /// <exception cref="DistributedException">A rank failed or the collective timed out.</exception>
    public static byte[][] AllGather(ProcessGroup group, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(payload);
        long[] lengths;
        using (var length = Tensor.FromArray(new long[] { payload.Length }))
        {
            var gathered = group.AllGather(length);
            try { lengths = [.. gathered.Select(t => t.Item<long>())]; }
            finally { foreach (var t in gathered) t.Dispose(); }
        }
        var longest = lengths.Max();
        if (longest == 0) return [.. lengths.Select(_ => Array.Empty<byte>())];
        var padded = new byte[longest];
        payload.CopyTo(padded, 0);
        using var mine = Tensor.FromArray(padded);
        var all = group.AllGather(mine);
        try
        {
            return [.. all.Select((t, rank) => t.ToArray<byte>()[..(int)lengths[rank]])];
        }
        finally
        {
            foreach (var t in all) t.Dispose();
        }
    }
}
