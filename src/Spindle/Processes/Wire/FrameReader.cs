using System.Buffers.Binary;

namespace Spindle.Processes.Wire;

/// <summary>
/// Cuts frames out of a pipe. One read brings in whatever the other end wrote, often many frames; the
/// caller takes them all with <see cref="TryTake"/> before it fills again, because filling moves the
/// buffer under the payloads it handed out. Anything that is not a valid frame (an unknown type, a length
/// over the limit, a stream ending mid-frame) is a <see cref="ProtocolException"/>, never a hang.
/// </summary>
internal sealed class FrameReader(Stream stream, int maxPayloadBytes, Func<FrameType, bool> accepts)
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    internal bool TryTake(out Frame frame)
    {
        frame = default;
        int available = _end - _start;
        if (available < WireFormat.HeaderBytes)
        {
            return false;
        }

        ReadOnlySpan<byte> header = _buffer.AsSpan(_start, WireFormat.HeaderBytes);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var type = (FrameType)header[4];
        if (!accepts(type))
        {
            throw ProtocolException.Garbage($"Unexpected frame type 0x{(byte)type:X2}", _buffer.AsSpan(_start, available));
        }

        if (length > (uint)maxPayloadBytes)
        {
            throw ProtocolException.Garbage($"A {type} frame claims {length:N0} bytes, over the {maxPayloadBytes:N0}-byte limit", _buffer.AsSpan(_start, available));
        }

        int total = WireFormat.HeaderBytes + (int)length;
        if (available < total)
        {
            EnsureRoom(total);
            return false;
        }

        frame = new Frame(type, _buffer.AsMemory(_start + WireFormat.HeaderBytes, (int)length));
        _start += total;
        return true;
    }

    /// <summary>Reads more bytes; <see langword="false"/> at a clean end of stream (between frames).</summary>
    internal async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        Compact();
        int read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        return Filled(read);
    }

    /// <inheritdoc cref="FillAsync"/>
    internal bool Fill()
    {
        Compact();
        return Filled(stream.Read(_buffer.AsSpan(_end)));
    }

    private bool Filled(int read)
    {
        if (read > 0)
        {
            _end += read;
            return true;
        }

        if (_end > _start)
        {
            throw ProtocolException.Garbage($"The stream ended inside a frame ({_end - _start} bytes of it arrived)", _buffer.AsSpan(_start, _end - _start));
        }

        return false;
    }

    private void Compact()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_start > 0 && _buffer.Length - _end < 4096)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
    }

    private void EnsureRoom(int frameBytes)
    {
        if (_buffer.Length - _start >= frameBytes)
        {
            return;
        }

        var larger = new byte[Math.Max(frameBytes, _buffer.Length * 2)];
        Buffer.BlockCopy(_buffer, _start, larger, 0, _end - _start);
        _end -= _start;
        _start = 0;
        _buffer = larger;
    }
}
