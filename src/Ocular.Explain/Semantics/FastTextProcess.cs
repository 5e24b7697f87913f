using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Ocular.Explain.Semantics;

/// <summary>Runs the fastText command-line tool (Debian's <c>fasttext</c>) as a child process, reporting its progress.</summary>
internal static partial class FastTextProcess
{
    /// <summary>
    /// <c>fasttext skipgram -input CORPUS -output PREFIX …settings</c>: writes PREFIX.bin and PREFIX.vec. Progress is
    /// fastText's own "Progress: x%" (stderr, carriage-return separated), as a fraction.
    /// </summary>
    /// <exception cref="InvalidOperationException">fastText failed; the message has its exit code and last output.</exception>
    public static void TrainSkipgram(string executable, string corpus, string outputPrefix, WordVectorSettings settings,
        IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["skipgram", "-input", corpus, "-output", outputPrefix, .. settings.FastTextArguments()]) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {executable}");
        var tail = new Queue<string>();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = Task.Run(() => ReadMessages(process.StandardError, message =>
        {
            if (ProgressPattern().Match(message) is { Success: true } m &&
                double.TryParse(m.Groups[1].ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture, out var percent))
                progress?.Report(Math.Clamp(percent / 100, 0, 1));
            else if (message.Length > 0)
            {
                lock (tail)
                {
                    tail.Enqueue(message);
                    if (tail.Count > 5) tail.Dequeue();
                }
            }
        }), CancellationToken.None);
        try
        {
            process.WaitForExitAsync(cancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw;
        }
        stderr.GetAwaiter().GetResult();
        var output = stdout.GetAwaiter().GetResult().Trim();
        if (process.ExitCode != 0)
        {
            string last;
            lock (tail) last = string.Join(" | ", tail.Append(output).Where(s => s.Length > 0));
            throw new InvalidOperationException($"{executable} skipgram failed with exit code {process.ExitCode}: {last}");
        }
    }

    // fastText redraws its progress line with '\r'; other messages end with '\n'.
    private static void ReadMessages(StreamReader reader, Action<string> handle)
    {
        var line = new StringBuilder();
        int c;
        while ((c = reader.Read()) >= 0)
        {
            if (c is '\r' or '\n')
            {
                handle(line.ToString().Trim());
                line.Clear();
            }
            else line.Append((char)c);
        }
        if (line.Length > 0) handle(line.ToString().Trim());
    }

    [GeneratedRegex(@"Progress:\s*([0-9.]+)%")]
    private static partial Regex ProgressPattern();
}
