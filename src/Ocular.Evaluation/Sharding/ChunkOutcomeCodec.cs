namespace Ocular.Evaluation.Sharding;

/// <summary>
/// A <see cref="ChunkOutcome"/> as the bytes one rank sends the others in sharded evaluation: every number bit for bit and
/// every picture as its PNG, so the folded result is the one a single process folds.
/// </summary>
internal static class ChunkOutcomeCodec
{
    public static byte[] Encode(ChunkOutcome outcome)
    {
        var w = new PayloadWriter();
        w.Int(outcome.Start);
        w.Int(outcome.Records.Count);
        foreach (var r in outcome.Records) Record(w, r);
        w.Bools(outcome.CleanTop1);
        w.Bools(outcome.CleanTop5);
        w.Int(outcome.Methods.Count);
        foreach (var m in outcome.Methods) Method(w, m);
        w.Int(outcome.Gallery.Count);
        foreach (var item in outcome.Gallery)
        {
            Record(w, item.Image);
            w.Bytes(item.ImagePng);
            w.Int(item.Overlays.Count);
            foreach (var (method, png) in item.Overlays)
            {
                w.String(method);
                w.Bytes(png);
            }
        }
        w.Int(outcome.Extremes.Count);
        foreach (var e in outcome.Extremes)
        {
            w.String(e.Column);
            w.String(e.Method);
            w.Bool(e.Best);
            Record(w, e.Image);
            w.Double(e.Value);
            w.Bytes(e.OverlayPng);
        }
        w.Bool(outcome.Sanity is not null);
        if (outcome.Sanity is { } sanity)
        {
            w.Tensor(sanity.Images);
            w.Tensor(sanity.Targets);
            w.Int(sanity.Maps.Count);
            foreach (var (method, maps) in sanity.Maps)
            {
                w.String(method);
                w.Tensor(maps);
            }
        }
        return w.ToArray();
    }

    public static ChunkOutcome Decode(byte[] payload)
    {
        var r = new PayloadReader(payload);
        var start = r.Int();
        var records = Repeat(r.Int(), () => Record(r));
        var top1 = r.Bools();
        var top5 = r.Bools();
        var methods = Repeat(r.Int(), () => Method(r));
        var gallery = Repeat(r.Int(), () =>
        {
            var image = Record(r);
            var png = r.Bytes();
            var overlays = new Dictionary<string, byte[]>();
            for (int k = 0, n = r.Int(); k < n; k++) overlays[r.String()!] = r.Bytes();
            return new GalleryItem(image, png, overlays);
        });
        var extremes = Repeat(r.Int(), () => new ExtremeCase(r.String()!, r.String()!, r.Bool(), Record(r), r.Double(), r.Bytes()));
        SanityPart? sanity = null;
        if (r.Bool())
        {
            var images = r.Tensor();
            var targets = r.Tensor();
            var maps = new Dictionary<string, Torch.Tensor>();
            for (int k = 0, n = r.Int(); k < n; k++) maps[r.String()!] = r.Tensor();
            sanity = new SanityPart(images, targets, maps);
        }
        if (!r.AtEnd) throw new InvalidDataException("a rank's chunk payload has trailing bytes: the ranks run different versions of Ocular");
        return new ChunkOutcome { Start = start, Records = records, CleanTop1 = top1, CleanTop5 = top5, Methods = methods, Gallery = gallery, Extremes = extremes, Sanity = sanity };
    }

    private static List<T> Repeat<T>(int count, Func<T> read)
    {
        var list = new List<T>(count);
        for (var i = 0; i < count; i++) list.Add(read());
        return list;
    }

    private static void Record(PayloadWriter w, ImageRecord r)
    {
        w.Int(r.Position);
        w.Int(r.Index);
        w.String(r.Path);
        w.Long(r.Label);
        w.Long(r.Predicted);
        w.Double(r.Confidence);
    }

    private static ImageRecord Record(PayloadReader r) => new(r.Int(), r.Int(), r.String(), r.Long(), r.Long(), r.Double());

    private static void Method(PayloadWriter w, MethodChunk m)
    {
        w.Int(m.Values.Count);
        foreach (var (column, values) in m.Values)
        {
            w.String(column);
            w.Doubles(values);
        }
        Curves(w, m.Deletion);
        Curves(w, m.Insertion);
        Counts(w, m.RoadMorfKept);
        Counts(w, m.RoadLerfKept);
    }

    private static MethodChunk Method(PayloadReader r)
    {
        var m = new MethodChunk();
        for (int k = 0, n = r.Int(); k < n; k++) m.Values[r.String()!] = r.Doubles();
        m.Deletion = Curves(r);
        m.Insertion = Curves(r);
        m.RoadMorfKept = Counts(r);
        m.RoadLerfKept = Counts(r);
        return m;
    }

    private static void Curves(PayloadWriter w, float[][]? curves)
    {
        w.Bool(curves is not null);
        if (curves is null) return;
        w.Int(curves.Length);
        foreach (var c in curves) w.Floats(c);
    }

    private static float[][]? Curves(PayloadReader r) => r.Bool() ? [.. Repeat(r.Int(), r.Floats)] : null;

    private static void Counts(PayloadWriter w, long[]? counts)
    {
        w.Bool(counts is not null);
        if (counts is not null) w.Longs(counts);
    }

    private static long[]? Counts(PayloadReader r) => r.Bool() ? r.Longs() : null;
}
