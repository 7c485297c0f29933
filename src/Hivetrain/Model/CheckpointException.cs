namespace Hivetrain.Model;

/// <summary>Why a model checkpoint or configuration could not be read or written.</summary>
public enum CheckpointErrorReason
{
    /// <summary>The checkpoint directory, or a file it must hold, does not exist.</summary>
    NotFound,
    /// <summary><c>config.json</c> is not valid JSON or lacks a required field.</summary>
    InvalidConfig,
    /// <summary><c>config.json</c> asks for an architecture or setting this model does not implement.</summary>
    UnsupportedConfig,
    /// <summary><c>model.safetensors</c> could not be parsed.</summary>
    CorruptWeights,
    /// <summary>A tensor the model needs is absent from the weights file.</summary>
    MissingTensor,
    /// <summary>The weights file holds a tensor the model does not have.</summary>
    UnexpectedTensor,
    /// <summary>A tensor's shape differs from the model's.</summary>
    ShapeMismatch,
    /// <summary>A tensor's element type is not the model's (float32).</summary>
    DtypeMismatch,
    /// <summary>Writing the checkpoint failed.</summary>
    WriteFailed,
}

/// <summary>A checkpoint or model configuration was rejected for a stated <see cref="Reason"/>.</summary>
public sealed class CheckpointException(CheckpointErrorReason reason, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public CheckpointErrorReason Reason { get; } = reason;
}
