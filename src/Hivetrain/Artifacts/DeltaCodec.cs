using TorchSharp;

namespace Hivetrain.Artifacts;

/// <summary>
/// Writes deltas in a <see cref="DeltaEncoding"/> (dense f32/bf16/f16, top-k indices + values on top of
/// either, int8 per chunk, chunk top-k with packed 1–4-bit codes, or low-rank factors of each matrix) with their <see cref="DeltaMetadata"/>.
/// Reading and decoding is <see cref="DeltaFile"/>'s job; decoding is deterministic. In memory:
/// <c>DeltaFile.FromBytes(DeltaCodec.ToBytes(delta, encoding, provenance)).ToTensors()</c>.
/// </summary>
public static class DeltaCodec
{
    /// <summary>Encodes <paramref name="delta"/> and writes it atomically to <paramref name="path"/>.</summary>
    public static DeltaMetadata Write(string path, IReadOnlyDictionary<string, torch.Tensor> delta, DeltaEncoding encoding, DeltaProvenance provenance)
    {
        using var scope = torch.NewDisposeScope();
        var entries = Encode(delta, encoding);
        var metadata = Metadata(entries, encoding, provenance);
        SafeTensorsWriter.WriteFile(path, entries, metadata.ToDictionary());
        return metadata;
    }

    /// <summary>Encodes <paramref name="delta"/> to a byte image of the file (tests, benchmarks, uploads from memory).</summary>
    public static byte[] ToBytes(IReadOnlyDictionary<string, torch.Tensor> delta, DeltaEncoding encoding, DeltaProvenance provenance)
    {
        using var scope = torch.NewDisposeScope();
        var entries = Encode(delta, encoding);
        var metadata = Metadata(entries, encoding, provenance);
        using var stream = new MemoryStream();
        SafeTensorsWriter.Write(stream, entries, metadata.ToDictionary());
        return stream.ToArray();
    }

    private static DeltaMetadata Metadata(List<SafeTensorsWriteEntry> entries, DeltaEncoding encoding, DeltaProvenance p)
    {
        var sha = SafeTensorsWriter.PayloadSha256(entries);
        return new(p.BaseRevision, p.Hotkey, encoding.Format, encoding.Dtype.ToString(), p.Steps, p.Tokens, p.CreatedAt, sha)
        {
            Chunking = encoding.Chunking,
            Signature = p.Sign is null ? null : Convert.ToHexStringLower(p.Sign(DeltaSignature.Message(p.BaseRevision, sha))),
        };
    }

    /// <summary>The entries to write; the tensors they read live in the caller's dispose scope.</summary>
    private static List<SafeTensorsWriteEntry> Encode(IReadOnlyDictionary<string, torch.Tensor> delta, DeltaEncoding encoding)
    {
        if (!SafeTensorsLimits.FloatDtypes.Contains(encoding.Dtype)) throw new ArgumentException($"{encoding.Dtype} is not a delta dtype");
        if (encoding.Chunking?.Problem() is { } problem) throw new ArgumentException($"encoding {encoding}: {problem}");
        encoding.Dtype.TryToScalarType(out var type);
        var entries = new List<SafeTensorsWriteEntry>();
        using var noGrad = torch.no_grad();
        foreach (var (name, d) in delta)
        {
            var flat = d.detach().to(torch.ScalarType.Float32, torch.CPU).contiguous();
            long n = flat.numel();
            if (encoding.Rank is { } rank && d.dim() == 2 && n >= DeltaEncoding.MinSparseElements && LowRankLayout.Pays(d.shape[0], d.shape[1], rank))
            {
                if (!flat.isfinite().all().item<bool>()) throw new ArgumentException($"delta '{name}' holds NaN or infinity; it cannot be factored");
                entries.AddRange(LowRankLayout.Encode(name, flat, rank, encoding.Dtype));
                continue;
            }
            if (n < DeltaEncoding.MinSparseElements || (encoding.TopKFraction is null && encoding.Chunking is null))
            {
                entries.Add(SafeTensorsWriteEntry.FromTensor(name, flat.to(type).contiguous()));
                continue;
            }
            if (encoding.Chunking is { } chunking)
            {
                entries.AddRange(DeltaQuantizer.Encode(name, flat.flatten(), d.shape, chunking));
                continue;
            }
            double fraction = encoding.TopKFraction!.Value;
            long k = Math.Clamp((long)Math.Ceiling(fraction * n), 1, n);
            var (_, top) = flat.flatten().abs().topk((int)k, sorted: false);
            var (indices, _) = top.sort();
            var values = flat.flatten().index_select(0, indices).to(type).contiguous();
            entries.Add(SafeTensorsWriteEntry.FromTensor(name + DeltaFormat.IndicesSuffix, indices.to(torch.ScalarType.Int32).contiguous()));
            entries.Add(SafeTensorsWriteEntry.FromTensor(name + DeltaFormat.ValuesSuffix, values));
            entries.Add(SafeTensorsWriteEntry.FromTensor(name + DeltaFormat.ShapeSuffix, torch.tensor(d.shape, torch.ScalarType.Int64)));
        }
        return entries;
    }
}
