using System.CommandLine;
using System.Globalization;
using Hivetrain.Artifacts;
using Hivetrain.Model;

namespace Hivetrain.Cli.Verbs;

/// <summary>
/// <c>hivetrain inspect FILE [--model DIR|FILE] [--base-revision REV] [--max-norm X]</c>: the header of a
/// safetensors file (tensors, dtypes, shapes, norms, metadata); with a model, the delta verdict.
/// Exit 0 when the file parses (and, with a model, is a valid delta); otherwise 1 with the reason on one line.
/// </summary>
internal static class InspectVerb
{
    private static readonly SafeTensorsLimits AnyDtype = SafeTensorsLimits.Default.Allowing(Enum.GetValues<SafeTensorsDtype>());

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A .safetensors file (a delta, or model weights)." };
        var model = new Option<string?>("--model") { Description = "Checkpoint directory (config.json) or a base weights .safetensors giving the expected names and shapes." };
        var baseRevision = new Option<string?>("--base-revision") { Description = "The round's base revision; defaults to the delta's own (no staleness check)." };
        var maxNorm = new Option<double?>("--max-norm") { Description = "Largest accepted delta L2 norm (default 1000)." };
        var command = new Command("inspect", "Print a safetensors file's header summary; with --model, validate it as a delta.") { file, model, baseRevision, maxNorm };
        command.SetAction(parse => Run(parse.GetValue(file)!, parse.GetValue(model), parse.GetValue(baseRevision), parse.GetValue(maxNorm), Console.Out, Console.Error));
        return command;
    }

    internal static int Run(string path, string? modelPath, string? baseRevision, double? maxNorm, TextWriter output, TextWriter errors)
    {
        try
        {
            using (var reader = SafeTensorsReader.Open(path, AnyDtype)) Summarize(path, reader, output);
        }
        catch (SafeTensorsException e)
        {
            output.WriteLine($"rejected: {e.Message}");
            return 1;
        }
        if (modelPath is null) return 0;
        IReadOnlyDictionary<string, long[]> shapes;
        try
        {
            shapes = ExpectedShapes(modelPath);
        }
        catch (Exception e) when (e is SafeTensorsException or CheckpointException or IOException or ArgumentException)
        {
            errors.WriteLine($"cannot read the model '{modelPath}': {e.Message}");
            return 2;
        }
        var revision = baseRevision ?? DeclaredRevision(path);
        var expectation = new DeltaExpectation(shapes, revision) { MaxNorm = maxNorm ?? 1000 };
        var verdict = DeltaCheck.Check(path, expectation);
        output.WriteLine(verdict.IsValid ? $"delta: {verdict}" : $"rejected: {verdict}");
        return verdict.IsValid ? 0 : 1;
    }

    private static void Summarize(string path, SafeTensorsReader reader, TextWriter output)
    {
        var h = reader.Header;
        output.WriteLine($"{path}: {h.FileLength:N0} bytes, header {h.DataStart - 8:N0} bytes, {h.Entries.Count} tensors");
        foreach (var (key, value) in h.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
            output.WriteLine($"  meta {key} = {value}");
        int width = Math.Min(48, h.Entries.Select(e => e.Name.Length).DefaultIfEmpty(4).Max());
        foreach (var e in h.Entries)
        {
            var shape = "[" + string.Join(", ", e.Shape) + "]";
            output.WriteLine($"  {e.Name.PadRight(width)} {e.Dtype,-5} {shape,-16} {e.ByteLength,12:N0} B  norm {Norm(reader, e)}");
        }
        Compression(path, h.FileLength, h.Metadata.TryGetValue("format", out var format) ? format : null, output);
    }

    /// <summary>
    /// For a delta: its format and how much smaller it is than the same parameters dense in f32; for a file whose metadata
    /// names a <paramref name="format"/> that the delta reader refuses, why (the listing above looks fine for a hostile one).
    /// </summary>
    private static void Compression(string path, long fileLength, string? format, TextWriter output)
    {
        try
        {
            using var delta = DeltaFile.Open(path);
            long elements = delta.Tensors.Sum(t => t.ElementCount), stored = delta.Tensors.Sum(t => t.StoredCount);
            double ratio = elements * 4.0 / Math.Max(1, fileLength);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"delta format {delta.Metadata.Format}: {delta.Tensors.Count} parameters, {elements:N0} elements ({stored:N0} stored), {ratio:F1}× smaller than dense f32"));
        }
        catch (Exception e) when (e is SafeTensorsException or DeltaException)
        {
            // Model weights name no format: nothing to say. A file that claims to be a delta gets the reader's reason.
            if (format is not null) output.WriteLine($"delta format {format}: not readable as a delta: {e.Message} (pass --model to check it in full)");
        }
    }

    private static string Norm(SafeTensorsReader reader, SafeTensorsEntry entry)
    {
        if (!SafeTensorsLimits.FloatDtypes.Contains(entry.Dtype) && entry.Dtype != SafeTensorsDtype.F64) return "-";
        using var t = reader.ToTensor(entry);
        using var d = t.to(TorchSharp.torch.ScalarType.Float64);
        using var n = d.norm();
        return n.item<double>().ToString("G6", CultureInfo.InvariantCulture);
    }

    /// <summary>Names and shapes from a checkpoint directory's config.json, or from a weights file's header.</summary>
    private static IReadOnlyDictionary<string, long[]> ExpectedShapes(string modelPath)
    {
        if (Directory.Exists(modelPath))
            return ParameterShape.For(Checkpoint.ReadConfig(modelPath)).ToDictionary(p => p.Name, p => p.Shape, StringComparer.Ordinal);
        using var reader = SafeTensorsReader.Open(modelPath, AnyDtype);
        return reader.Entries.ToDictionary(e => e.Name, e => e.ShapeArray(), StringComparer.Ordinal);
    }

    private static string DeclaredRevision(string path)
    {
        try
        {
            using var reader = SafeTensorsReader.Open(path, AnyDtype);
            return reader.Metadata.GetValueOrDefault("base_revision", "");
        }
        catch (SafeTensorsException)
        {
            return "";
        }
    }
}
