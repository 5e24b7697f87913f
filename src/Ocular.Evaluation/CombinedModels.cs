namespace Ocular.Evaluation;

/// <summary>
/// One table for several classifiers evaluated on the same images: the rows of other models' evaluations are added
/// to a main evaluation's, each method named with its model's tag (<c>lfi-cam [lficam_compact_cnn]</c>). Used where
/// classifiers with a built-in map (LFI-CAM, ABN) are compared with post-hoc methods on a baseline classifier
/// (the demo). The images, their labels and the per-image records shown are the main evaluation's; every metric of an
/// added row scores its own model (its own predicted class and confidence), which the notes say.
/// </summary>
public static class CombinedModels
{
    /// <summary>The method name of <paramref name="method"/> evaluated on the model tagged <paramref name="tag"/>.</summary>
    public static string Label(string method, string tag) => $"{method} [{tag}]";

    /// <summary>Adds the rows, gallery overlays and extreme cases of <paramref name="others"/> to <paramref name="main"/>.</summary>
    /// <exception cref="ArgumentException">An evaluation covers other images, metrics or columns than the main one.</exception>
    public static EvaluationResult Add(EvaluationResult main, IReadOnlyList<(string Tag, EvaluationResult Result)> others)
    {
        ArgumentNullException.ThrowIfNull(main);
        ArgumentNullException.ThrowIfNull(others);
        var methods = main.Methods.ToList();
        var gallery = main.Gallery.Select(g => (g, Overlays: new Dictionary<string, byte[]>(g.Overlays))).ToList();
        var extremes = main.Extremes.ToList();
        var notes = main.Notes.ToList();
        foreach (var (tag, other) in others)
        {
            if (!other.Images.Select(i => i.Index).SequenceEqual(main.Images.Select(i => i.Index)))
                throw new ArgumentException($"the evaluation of {tag} ({other.Info.Model}) covers other images than that of {main.Info.Model}");
            if (!other.Columns.Select(c => c.Key).SequenceEqual(main.Columns.Select(c => c.Key)))
                throw new ArgumentException($"the evaluation of {tag} has the columns {string.Join(", ", other.Columns.Select(c => c.Key))}, " +
                                            $"not those of {main.Info.Model}: {string.Join(", ", main.Columns.Select(c => c.Key))}");
            methods.AddRange(other.Methods.Select(m => m with { Name = Label(m.Name, tag), Source = $"{m.Source} on {other.Info.Model}" }));
            foreach (var (item, overlays) in gallery)
            {
                var same = other.Gallery.FirstOrDefault(o => o.Image.Index == item.Image.Index);
                if (same is null) continue;
                foreach (var (method, png) in same.Overlays) overlays[Label(method, tag)] = png;
            }
            extremes.AddRange(other.Extremes.Select(x => x with { Method = Label(x.Method, tag) }));
            var top1 = other.CleanTop1 is { } t ? FormattableString.Invariant($"; its clean top-1 on these images is {t:F1} %") : "";
            notes.Add($"Rows marked [{tag}] explain and score {other.Architecture} ({other.Info.Model}), not {main.Architecture}: " +
                      $"each metric uses that model's own predicted class and confidence{top1}.");
        }
        // A method's overlay missing from a gallery image (the other evaluation showed fewer images) leaves that image out.
        var names = methods.Select(m => m.Name).ToList();
        var complete = gallery.Where(g => names.All(g.Overlays.ContainsKey)).Select(g => g.g with { Overlays = g.Overlays }).ToList();
        return main with { Methods = methods, Gallery = complete, Extremes = extremes, Notes = notes };
    }
}
