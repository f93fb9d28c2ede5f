namespace Spindle.Processes.Wire;

/// <summary>One frame cut out of a <see cref="FrameReader"/>'s buffer; its payload is valid until the reader next fills.</summary>
internal readonly record struct Frame(FrameType Type, ReadOnlyMemory<byte> Payload);
