using System.Buffers.Binary;
using System.Text;

namespace Spindle.Processes.Wire;

/// <summary>Reads the fields of one frame's payload; running past its end is a <see cref="ProtocolException"/>.</summary>
internal ref struct PayloadReader(ReadOnlySpan<byte> payload, FrameType type)
{
    private readonly ReadOnlySpan<byte> _payload = payload;
    private int _position;

    internal readonly ReadOnlySpan<byte> Rest => _payload[_position..];

    internal byte ReadByte() => Take(1)[0];

    internal ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    internal int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    internal uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    internal long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    internal double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    /// <summary>Reads <c>[u32 length][bytes]</c>.</summary>
    internal ReadOnlySpan<byte> ReadBlock()
    {
        uint length = ReadUInt32();
        return length > int.MaxValue
            ? throw new ProtocolException($"A {type} frame holds a block of {length:N0} bytes.")
            : Take((int)length);
    }

    /// <summary>Reads <paramref name="count"/> raw bytes.</summary>
    internal ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    internal string ReadUtf8Rest() => Encoding.UTF8.GetString(Rest);

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || _payload.Length - _position < count)
        {
            throw new ProtocolException($"A {type} frame of {_payload.Length} bytes ended early: needed {count} more at offset {_position}.");
        }

        ReadOnlySpan<byte> taken = _payload.Slice(_position, count);
        _position += count;
        return taken;
    }
}
