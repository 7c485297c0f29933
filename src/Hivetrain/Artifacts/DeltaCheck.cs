namespace Hivetrain.Artifacts;

/// <summary>
/// Decides whether an untrusted delta is valid for the round (DESIGN.md, "Hostile input"): strict
/// safetensors, metadata, format and layout, base revision, payload hash, exact names and shapes,
/// allowed dtype, finite values, bounded norm; cheap header checks first. Returns a verdict, never throws
/// for anything the file contains.
/// </summary>
public static class DeltaCheck
{
    public static DeltaVerdict Check(string path, DeltaExpectation expected) => Run(() => DeltaFile.Open(path, Limits(expected)), expected);

    public static DeltaVerdict Check(ReadOnlyMemory<byte> bytes, DeltaExpectation expected) => Run(() => DeltaFile.FromBytes(bytes, Limits(expected)), expected);

    /// <summary>Checks an already opened delta (whose strict parse and layout have passed).</summary>
    public static DeltaVerdict Check(DeltaFile delta, DeltaExpectation expected)
    {
        try
        {
            return Contents(delta, expected);
        }
        catch (DeltaException e)
        {
            return DeltaVerdict.Rejected(e.Reason, e.Detail);
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> under the strict reader and the expectation's size limits without checking its
    /// contents (so its metadata can be read first); null and a rejection when it does not open.
    /// </summary>
    public static DeltaFile? TryOpen(string path, DeltaExpectation expected, out DeltaVerdict? rejection)
    {
        rejection = null;
        try
        {
            return DeltaFile.Open(path, Limits(expected));
        }
        catch (SafeTensorsException e)
        {
            rejection = DeltaVerdict.Rejected(e.Reason == SafeTensorsError.DtypeNotAllowed ? DeltaRejection.DtypeNotAllowed : DeltaRejection.Unreadable, e.Message);
        }
        catch (DeltaException e)
        {
            rejection = DeltaVerdict.Rejected(e.Reason, e.Detail);
        }
        return null;
    }

    private static DeltaVerdict Run(Func<DeltaFile> open, DeltaExpectation expected)
    {
        DeltaFile delta;
        try
        {
            delta = open();
        }
        catch (SafeTensorsException e)
        {
            var reason = e.Reason == SafeTensorsError.DtypeNotAllowed ? DeltaRejection.DtypeNotAllowed : DeltaRejection.Unreadable;
            return DeltaVerdict.Rejected(reason, e.Message);
        }
        catch (DeltaException e)
        {
            return DeltaVerdict.Rejected(e.Reason, e.Detail);
        }
        using (delta) return Check(delta, expected);
    }

    private static SafeTensorsLimits Limits(DeltaExpectation expected) => DeltaFile.DefaultLimits with
    {
        MaxFileBytes = expected.MaxFileBytes,
        MaxTensors = Math.Max(16, 4 * expected.Shapes.Count),
    };

    private static DeltaVerdict Contents(DeltaFile delta, DeltaExpectation expected)
    {
        var m = delta.Metadata;
        if (m.BaseRevision != expected.BaseRevision)
            return DeltaVerdict.Rejected(DeltaRejection.StaleBaseRevision, $"base_revision '{Shorten(m.BaseRevision)}' is not the round's '{expected.BaseRevision}'");
        if (DeltaFormat.IsSparse(m.Format) && !expected.AllowSparse)
            return DeltaVerdict.Rejected(DeltaRejection.UnknownFormat, $"{m.Format} is not accepted here");
        foreach (var t in delta.Tensors)
        {
            if (!expected.Shapes.TryGetValue(t.Name, out var shape))
                return DeltaVerdict.Rejected(DeltaRejection.UnexpectedTensor, $"'{Shorten(t.Name)}' is not a parameter of the model");
            if (!shape.AsSpan().SequenceEqual(t.Shape))
                return DeltaVerdict.Rejected(DeltaRejection.ShapeMismatch, $"'{t.Name}' is [{string.Join(", ", t.Shape)}], expected [{string.Join(", ", shape)}]");
            if (!expected.AllowedDtypes.Contains(t.Dtype))
                return DeltaVerdict.Rejected(DeltaRejection.DtypeNotAllowed, $"'{t.Name}' is {t.Dtype}");
        }
        foreach (var name in expected.Shapes.Keys)
            if (!delta.TryGet(name, out _))
                return DeltaVerdict.Rejected(DeltaRejection.MissingTensor, $"'{name}' is missing");
        var sha = delta.PayloadSha256();
        if (sha != m.Sha256)
            return DeltaVerdict.Rejected(DeltaRejection.HashMismatch, $"payload SHA-256 is {sha}, metadata says {m.Sha256}");
        double total = 0;
        foreach (var t in delta.Tensors)
        {
            var (sumOfSquares, finite) = delta.SumOfSquares(t);
            if (!finite) return DeltaVerdict.Rejected(DeltaRejection.NonFinite, $"'{t.Name}' holds NaN or infinity");
            total += sumOfSquares;
        }
        double norm = Math.Sqrt(total);
        if (!(norm <= expected.MaxNorm))
            return DeltaVerdict.Rejected(DeltaRejection.NormTooLarge, $"norm {norm:G6} exceeds {expected.MaxNorm:G6}");
        return DeltaVerdict.Valid(norm);
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
