namespace Ocular.Torch.Serialization;

/// <summary>
/// Where Ocular keeps what it can remake but would rather not (alignment targets, parsed word embeddings, the default word
/// vectors): <c>$XDG_CACHE_HOME/ocular</c>, or <c>~/.cache/ocular</c> when XDG_CACHE_HOME is unset — the XDG base-directory
/// convention that torch.hub follows too. Every cache of the project asks here, so one variable moves them all.
/// </summary>
public static class CacheDirectory
{
    /// <summary>The root of Ocular's caches (read from the environment on every call, so a test can redirect it).</summary>
    public static string Root
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "ocular");
        }
    }

    /// <summary>The directory of one kind of cached file, <c>Root/<paramref name="name"/></c> (not created here).</summary>
    public static string For(string name) => Path.Combine(Root, name);
}
