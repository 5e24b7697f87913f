namespace Ocular.Torch;

/// <summary>
/// Frees, when disposed, every tensor created on this thread while it was the innermost scope,
/// except the tensors explicitly kept. Scopes nest; use one per training or evaluation step so
/// that a long loop runs in flat memory.
/// </summary>
/// <example>
/// <code>
/// using (var scope = DisposeScope.Enter())
/// {
///     var loss = F.CrossEntropy(model.Forward(x), y);
///     loss.Backward();
///     lossValue = scope.Keep(loss.Detach());   // survives the scope
/// }
/// </code>
/// </example>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? _current;

    private readonly DisposeScope? _outer;
    private List<Tensor> _owned = [];
    private bool _disposed;

    private DisposeScope()
    {
        _outer = _current;
        _current = this;
    }

    /// <summary>Opens a scope that becomes the innermost one on this thread.</summary>
    public static DisposeScope Enter() => new();

    /// <summary>The innermost open scope on this thread, if any.</summary>
    public static DisposeScope? Current => Open(_current);

    // Skips scopes already disposed out of order (an outer one before an inner one, or one disposed on
    // another thread), so that no tensor is ever registered with a scope that will not free it.
    private static DisposeScope? Open(DisposeScope? scope)
    {
        while (scope is { _disposed: true }) scope = scope._outer;
        return scope;
    }

    /// <summary>The number of tensors this scope will free.</summary>
    public int Count => _owned.Count(t => t.Scope == this && !t.IsDisposed);

    internal static void Register(Tensor t)
    {
        var scope = Open(_current);
        if (scope is null) return;
        t.Scope = scope;
        scope._owned.Add(t);
    }

    /// <summary>Moves a tensor out of this scope into the enclosing one (or to no scope) and returns it.</summary>
    public T Keep<T>(T tensor) where T : Tensor
    {
        if (tensor.Scope == this)
        {
            var outer = Open(_outer);
            tensor.Scope = outer;
            outer?._owned.Add(tensor);
        }
        return tensor;
    }

    /// <summary>Keeps several tensors (see <see cref="Keep{T}(T)"/>).</summary>
    public void KeepAll(params Tensor[] tensors)
    {
        foreach (var t in tensors) Keep(t);
    }

    /// <summary>Removes a tensor from whatever scope owns it: the caller disposes it.</summary>
    public static T Detach<T>(T tensor) where T : Tensor
    {
        tensor.Scope = null;
        return tensor;
    }

    /// <summary>Frees the tensors this scope owns and makes the enclosing scope current again.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_current == this) _current = Open(_outer);
        var owned = _owned;
        _owned = [];
        foreach (var t in owned)
        {
            if (t.Scope == this) t.DisposeFromScope();
        }
    }
}
