namespace Ocular.Bench.Harness;

/// <summary>
/// Every concrete <see cref="Suite"/> in this assembly, found by reflection so that suites written in
/// parallel (engine, data, models, train, explain, evaluate, lcam, …) never touch a shared list.
/// </summary>
public static class SuiteRegistry
{
    /// <summary>The suites, by name.</summary>
    public static IReadOnlyList<Suite> All { get; } = typeof(Suite).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(Suite)) && !t.IsAbstract)
        .Select(t => (Suite)Activator.CreateInstance(t)!)
        .OrderBy(s => s.Name, StringComparer.Ordinal)
        .ToList();

    /// <summary>The suite called <paramref name="name"/>; an unknown name is an error that lists the known ones.</summary>
    public static Suite Find(string name) =>
        All.FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"unknown suite '{name}'; known suites: {string.Join(", ", All.Select(s => s.Name))}");
}
