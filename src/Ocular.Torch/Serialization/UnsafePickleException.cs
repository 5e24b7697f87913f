namespace Ocular.Torch.Serialization;

/// <summary>
/// Raised when a pickle (e.g. the <c>data.pkl</c> of a <c>.pth</c> file) references a Python global
/// that is not on Ocular's allow-list, such as <c>os.system</c> or a model class. The pickle is
/// refused before anything is built from it: Ocular's reader never executes or reflects code, the
/// stance of <c>torch.load(weights_only=True)</c>.
/// </summary>
public sealed class UnsafePickleException : Exception
{
    /// <summary>Creates the exception for the refused global <c>module.name</c>.</summary>
    /// <param name="global">The refused global as Python writes it, <c>module.name</c>.</param>
    /// <param name="source">The file (and archive entry) holding the pickle.</param>
    /// <param name="offset">The byte offset of the opcode that referenced the global.</param>
    /// <param name="hint">Optional advice appended to the message.</param>
    public UnsafePickleException(string global, string source, long offset, string? hint = null)
        : base($"{source}: refusing the global '{global}' (opcode at offset {offset}): Ocular reads only tensors, storages, "
             + "dicts, lists, tuples and primitive values from pickles, like torch.load(weights_only=True), and never runs code"
             + (hint is null ? "" : $"; {hint}"))
    {
        Global = global;
        Location = source;
    }

    /// <summary>The refused global, <c>module.name</c> (e.g. <c>os.system</c>).</summary>
    public string Global { get; }

    /// <summary>The file (and archive entry) whose pickle referenced it.</summary>
    public string Location { get; }
}
