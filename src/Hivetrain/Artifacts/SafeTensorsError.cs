namespace Hivetrain.Artifacts;

/// <summary>
/// Why a safetensors file was rejected. The first eleven follow the reference reader's checks
/// (huggingface/safetensors <c>tensor.rs</c>) in the order it makes them; the rest are ours.
/// </summary>
public enum SafeTensorsError
{
    /// <summary>The file is shorter than the 8-byte header length.</summary>
    HeaderTooSmall,
    /// <summary>The declared header length exceeds the limit (100,000,000 by default).</summary>
    HeaderTooLarge,
    /// <summary>The declared header length runs past the end of the file.</summary>
    InvalidHeaderLength,
    /// <summary>The header is not valid UTF-8.</summary>
    InvalidUtf8,
    /// <summary>The header is not JSON of the expected shape (includes a header not starting with '{').</summary>
    InvalidJson,
    /// <summary>Tensor data do not tile the buffer: a hole, an overlap, or end before begin.</summary>
    InvalidOffset,
    /// <summary>The element count or bit size of a tensor overflows 64 bits.</summary>
    ValidationOverflow,
    /// <summary>A tensor's size in bits is not a whole number of bytes.</summary>
    MisalignedSlice,
    /// <summary>A tensor's byte range does not match its dtype and shape.</summary>
    TensorInvalidInfo,
    /// <summary>The buffer's length is not exactly the sum of the tensors (trailing or missing bytes).</summary>
    MetadataIncompleteBuffer,
    /// <summary>The same key appears twice in the header or in <c>__metadata__</c>.</summary>
    DuplicateName,

    /// <summary>The file is larger than the caller's cap.</summary>
    FileTooLarge,
    /// <summary>More tensors than the caller's cap.</summary>
    TooManyTensors,
    /// <summary>A tensor name is longer than the caller's cap (UTF-8 bytes).</summary>
    NameTooLong,
    /// <summary>A tensor has more dimensions than the caller's cap.</summary>
    TooManyDimensions,
    /// <summary>A tensor's dtype is valid safetensors but outside the caller's allow-list.</summary>
    DtypeNotAllowed,
    /// <summary><c>__metadata__</c> is larger than the caller's cap.</summary>
    MetadataTooLarge,
    /// <summary>The file could not be opened or mapped.</summary>
    Io,
}
