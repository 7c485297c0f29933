using Hivetrain.Model;

namespace Hivetrain.Roles;

/// <summary>The model a base was loaded into, the bytes of the files read for it, and whether it came by the downlink delta.</summary>
public sealed record BaseLoad(Gpt Model, long BytesRead, bool FromParent);
