using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Spindle.Processes.Wire;

/// <summary>
/// A growable buffer of outgoing frames. Frames are appended whole (header first, length patched at the
/// end), so a writer can send everything buffered in one write: that is how many small calls in flight
/// share one system call.
/// </summary>
internal sealed class FrameBuffer(int initialCapacity = 4096) : IBufferWriter<byte>
{
    private byte[] _buffer = new byte[initialCapacity];
    private int _length;
    private int _frameStart = -1;

    internal int Length => _length;

    internal ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    internal void Clear()
    {
        _length = 0;
        _frameStart = -1;
    }

    /// <summary>Starts a frame; the payload follows through the write methods; <see cref="EndFrame"/> closes it.</summary>
    internal void BeginFrame(FrameType type)
    {
        _frameStart = _length;
        Span<byte> header = GetSpan(WireFormat.HeaderBytes);
        header[4] = (byte)type;
        Advance(WireFormat.HeaderBytes);
    }

    /// <summary>Starts a <see cref="FrameType.Call"/> or <see cref="FrameType.Chunk"/> frame with the fields both begin with.</summary>
    internal void BeginCall(FrameType type, long id, int kindId, int attempt)
    {
        BeginFrame(type);
        WriteInt64(id);
        WriteInt32(kindId);
        WriteInt32(attempt);
    }

    internal void EndFrame()
    {
        int payload = _length - _frameStart - WireFormat.HeaderBytes;
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_frameStart), (uint)payload);
        _frameStart = -1;
    }

    /// <summary>Cuts the buffer back to <paramref name="length"/> bytes (a result that failed half-written).</summary>
    internal void Truncate(int length) => _length = length;

    internal void WriteByte(byte value)
    {
        GetSpan(1)[0] = value;
        Advance(1);
    }

    internal void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(GetSpan(2), value);
        Advance(2);
    }

    internal void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(GetSpan(4), value);
        Advance(4);
    }

    internal void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(GetSpan(4), value);
        Advance(4);
    }

    internal void WriteDouble(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(GetSpan(8), value);
        Advance(8);
    }

    internal void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(GetSpan(8), value);
        Advance(8);
    }

    internal void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        Advance(bytes.Length);
    }

    /// <summary>Writes <c>[u32 length][bytes]</c>.</summary>
    internal void WriteBlock(ReadOnlySpan<byte> bytes)
    {
        WriteUInt32((uint)bytes.Length);
        WriteBytes(bytes);
    }

    internal void WriteUtf8(string text)
    {
        int written = Encoding.UTF8.GetBytes(text, GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length)));
        Advance(written);
    }

    /// <summary>Reserves room for a length written later by <see cref="PatchUInt32"/>.</summary>
    internal int Reserve(int bytes)
    {
        int at = _length;
        GetSpan(bytes);
        Advance(bytes);
        return at;
    }

    /// <summary>A span over bytes already written, such as a region <see cref="Reserve"/> held back.</summary>
    internal Span<byte> Slice(int at, int length) => _buffer.AsSpan(at, length);

    internal void PatchStatus(int at, byte status) => _buffer[at] = status;

    internal void PatchUInt32(int at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(at), value);

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Grow(sizeHint);
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Grow(sizeHint);
        return _buffer.AsSpan(_length);
    }

    private void Grow(int sizeHint)
    {
        int needed = _length + Math.Max(sizeHint, 1);
        if (needed > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(needed, checked(_buffer.Length * 2)));
        }
    }
}
