using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Hivetrain.Artifacts;

/// <summary>
/// A validated safetensors file, memory-mapped (<see cref="Open"/>) or in memory (<see cref="FromBytes"/>).
/// Tensor bytes are read zero-copy as spans; nothing is read until asked for. Both sources share
/// <see cref="SafeTensorsHeader.Parse"/>, so a buffer behaves exactly like the same bytes on disk.
/// </summary>
public sealed unsafe class SafeTensorsReader : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private byte* _pointer;
    private readonly ReadOnlyMemory<byte> _buffer;

    private SafeTensorsReader(SafeTensorsHeader header, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* pointer, ReadOnlyMemory<byte> buffer)
    {
        Header = header;
        _map = map;
        _view = view;
        _pointer = pointer;
        _buffer = buffer;
    }

    public SafeTensorsHeader Header { get; }

    /// <summary>Tensors in file order.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries => Header.Entries;

    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <summary>Validates <paramref name="bytes"/> as a whole safetensors file; the reader keeps a reference, no copy.</summary>
    public static SafeTensorsReader FromBytes(ReadOnlyMemory<byte> bytes, SafeTensorsLimits? limits = null)
    {
        var header = SafeTensorsHeader.Parse(bytes.Span, bytes.Length, limits ?? SafeTensorsLimits.Default);
        return new SafeTensorsReader(header, null, null, null, bytes);
    }

    /// <summary>Maps <paramref name="path"/> read-only and validates it.</summary>
    public static SafeTensorsReader Open(string path, SafeTensorsLimits? limits = null)
    {
        limits ??= SafeTensorsLimits.Default;
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SafeTensorsException(SafeTensorsError.Io, $"cannot open '{path}': {e.Message}", e);
        }
        long length = stream.Length;
        if (length < 8 || length > limits.MaxFileBytes)
        {
            stream.Dispose();
            SafeTensorsHeader.Parse([], length, limits); // throws the precise reason
        }
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        byte* pointer = null;
        try
        {
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            var prefix = new ReadOnlySpan<byte>(pointer, (int)Math.Min(length, 8 + Math.Min(limits.MaxHeaderBytes, int.MaxValue - 8)));
            var header = SafeTensorsHeader.Parse(prefix, length, limits);
            return new SafeTensorsReader(header, map, view, pointer, default);
        }
        catch (Exception e)
        {
            if (pointer != null) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map?.Dispose();
            if (map is null) stream.Dispose();
            if (e is SafeTensorsException) throw;
            if (e is IOException or UnauthorizedAccessException)
                throw new SafeTensorsException(SafeTensorsError.Io, $"cannot map '{path}': {e.Message}", e);
            throw;
        }
    }

    /// <summary>The raw little-endian bytes of <paramref name="entry"/>, without copying.</summary>
    public ReadOnlySpan<byte> GetBytes(SafeTensorsEntry entry)
    {
        if (entry.ByteLength > int.MaxValue)
            throw new NotSupportedException($"tensor '{entry.Name}' is {entry.ByteLength} bytes, more than one span holds");
        return Range(Header.DataStart + entry.Begin, (int)entry.ByteLength);
    }

    public ReadOnlySpan<byte> GetBytes(string name) => GetBytes(Header[name]);

    /// <summary>Lowercase hex SHA-256 of the payload: every byte after the header.</summary>
    public string PayloadSha256()
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        for (long at = Header.DataStart; at < Header.FileLength; at += 1 << 20)
            hash.AppendData(Range(at, (int)Math.Min(1 << 20, Header.FileLength - at)));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private ReadOnlySpan<byte> Range(long offset, int length)
    {
        if (_map is null) return _buffer.Span.Slice((int)offset, length);
        ObjectDisposedException.ThrowIf(_pointer == null, this);
        return new ReadOnlySpan<byte>(_pointer + offset, length);
    }

    /// <summary>The bytes of <paramref name="entry"/> reinterpreted as <typeparamref name="T"/> (e.g. float for F32).</summary>
    public ReadOnlySpan<T> GetValues<T>(SafeTensorsEntry entry) where T : unmanaged => MemoryMarshal.Cast<byte, T>(GetBytes(entry));

    /// <summary>A new CPU tensor holding a copy of <paramref name="entry"/>; the caller owns it.</summary>
    public torch.Tensor ToTensor(SafeTensorsEntry entry)
    {
        if (!entry.Dtype.TryToScalarType(out var type))
            throw new NotSupportedException($"TorchSharp has no type for {entry.Dtype}");
        var tensor = torch.empty(entry.ShapeArray(), type);
        if (entry.ByteLength > 0) GetBytes(entry).CopyTo(tensor.bytes);
        return tensor;
    }

    public torch.Tensor ToTensor(string name) => ToTensor(Header[name]);

    /// <summary>Copies <paramref name="entry"/> into an existing tensor of the same dtype and element count (e.g. a model parameter).</summary>
    public void CopyTo(SafeTensorsEntry entry, torch.Tensor destination)
    {
        if (!entry.Dtype.TryToScalarType(out var type) || type != destination.dtype || entry.ElementCount != destination.numel())
            throw new ArgumentException($"'{entry.Name}' is {entry.Dtype}[{string.Join(", ", entry.Shape)}], destination {destination.dtype}[{string.Join(", ", destination.shape)}]");
        if (entry.ByteLength == 0) return;
        using var noGrad = torch.no_grad();
        if (destination.device_type == DeviceType.CPU && destination.is_contiguous())
        {
            DeltaKernels.Copy(GetBytes(entry), destination.bytes);
            return;
        }
        using var staged = ToTensor(entry);
        destination.copy_(staged.view(destination.shape));
    }

    public void Dispose()
    {
        if (_pointer != null)
        {
            _view!.SafeMemoryMappedViewHandle.ReleasePointer();
            _pointer = null;
        }
        _view?.Dispose();
        _map?.Dispose();
    }
}
