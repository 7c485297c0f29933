using System.Runtime.InteropServices;

namespace Hivetrain.Artifacts;

/// <summary>
/// Decodes a chunk-quantized parameter one chunk at a time, in order. Int8: value = q · scale. Chunk top-k: zeros,
/// then at each kept in-chunk index the code's sign times scale · (2m + 1) / (2M), where m is the code's magnitude
/// bits and M = 2^(bits − 1): the centre of the m-th of M equal bins on [0, scale]. Each value is one f32 multiply
/// of exactly representable numbers, so decoding is bitwise the same everywhere. The kept indices come from the
/// parameter's Rice-coded gap stream, read from a running bit position, or are every index in order when the code keeps
/// every entry (<see cref="DeltaChunking.KeepsEvery"/>). The caller validates first.
/// </summary>
internal ref struct ChunkCursor
{
    private readonly ReadOnlySpan<float> _scales;
    private readonly ReadOnlySpan<sbyte> _codes;
    private RiceReader _indices;
    private readonly ReadOnlySpan<byte> _values;
    private readonly DeltaChunking _chunking;
    private readonly int _rice;
    private int _chunk;
    private long _kept;

    public ChunkCursor(SafeTensorsReader reader, DeltaTensor tensor)
    {
        _chunking = tensor.Chunking!;
        _scales = MemoryMarshal.Cast<byte, float>(reader.GetBytes(tensor.Scales!));
        if (tensor.Layout == DeltaTensorLayout.Int8) _codes = MemoryMarshal.Cast<byte, sbyte>(reader.GetBytes(tensor.Values));
        else
        {
            _indices = new RiceReader(reader.GetBytes(tensor.Indices!));
            _values = reader.GetBytes(tensor.Values);
            _rice = _chunking.RiceBits;
        }
    }

    /// <summary>The magnitude of level <paramref name="m"/> of <paramref name="levels"/>, relative to the scale (exact in f32).</summary>
    public static float Level(int m, int levels) => (2 * m + 1) / (2f * levels);

    /// <summary>Decodes the next chunk into <paramref name="destination"/> (its length is the chunk's).</summary>
    public void Next(Span<float> destination)
    {
        float scale = _scales[_chunk];
        if (_chunking.IsInt8)
        {
            var codes = _codes.Slice(_chunk * _chunking.ChunkSize, destination.Length);
            for (int i = 0; i < destination.Length; i++) destination[i] = codes[i] * scale;
        }
        else
        {
            destination.Clear();
            int k = Math.Min(_chunking.TopK, destination.Length), bits = _chunking.Bits, levels = _chunking.Levels, rice = _rice;
            int maxQuotient = destination.Length >> rice, index = -1;
            bool every = _chunking.KeepsEvery;
            for (int j = 0; j < k; j++)
            {
                int gap = every ? 0 : _indices.Read(rice, maxQuotient);
                if (gap < 0) throw new InvalidOperationException("the index stream was not validated");
                index += gap + 1;
                uint code = BitPacking.Read(_values, _kept + j, bits);
                float magnitude = scale * Level((int)(code & (uint)(levels - 1)), levels);
                destination[index] = (code >> (bits - 1)) != 0 ? -magnitude : magnitude;
            }
            _kept += k;
        }
        _chunk++;
    }
}
