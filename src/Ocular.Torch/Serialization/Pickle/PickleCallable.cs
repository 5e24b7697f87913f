namespace Ocular.Torch.Serialization.Pickle;

/// <summary>
/// An allow-listed global that a pickle may call (REDUCE, NEWOBJ, INST, OBJ): a C# function that
/// builds a plain value from plain arguments. Nothing else is ever invoked, and nothing is found
/// by reflection: a global that is not in the allow-list never becomes a callable.
/// </summary>
/// <param name="Name">The global's Python name, <c>module.name</c>, for error messages.</param>
/// <param name="Invoke">Builds the value from the positional arguments.</param>
internal sealed record PickleCallable(string Name, Func<object?[], object?> Invoke)
{
    /// <summary>The Python name.</summary>
    public override string ToString() => Name;
}
