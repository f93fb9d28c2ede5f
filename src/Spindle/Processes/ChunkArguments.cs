using Spindle.Processes.Wire;

namespace Spindle.Processes;

/// <summary>
/// The arguments of a map chunk, end to end in one array: JSON texts at <c>offsets[i]..offsets[i+1]</c>, or,
/// for an integer-to-integer task, raw little-endian 64-bit numbers (<see cref="WireFormat.RawIntegers"/>).
/// </summary>
internal readonly struct ChunkArguments
{
    private readonly byte[] _data;
    private readonly int[]? _offsets;

    private ChunkArguments(byte[] data, int[]? offsets, int count)
    {
        _data = data;
        _offsets = offsets;
        Count = count;
    }

    internal int Count { get; }

    internal bool IsRaw => _offsets is null;

    internal static ChunkArguments Json(byte[] data, int[] offsets) => new(data, offsets, offsets.Length - 1);

    internal static ChunkArguments Raw(byte[] data) => new(data, null, data.Length / sizeof(long));

    /// <summary>All the arguments' bytes, for fingerprinting.</summary>
    internal ReadOnlySpan<byte> All => _offsets is null ? _data : _data.AsSpan(_offsets[0], _offsets[^1] - _offsets[0]);

    internal void Write(FrameBuffer buffer)
    {
        buffer.WriteInt32(Count);
        if (_offsets is null)
        {
            buffer.WriteByte(WireFormat.RawIntegers);
            buffer.WriteBytes(_data);
            return;
        }

        buffer.WriteByte(WireFormat.JsonItems);
        for (int i = 0; i < Count; i++)
        {
            buffer.WriteBlock(_data.AsSpan(_offsets[i], _offsets[i + 1] - _offsets[i]));
        }
    }

    /// <summary>The arguments of item <paramref name="index"/> alone, for rerunning it after a crash.</summary>
    internal ChunkArguments Single(int index) => _offsets is null
        ? Raw(_data.AsSpan(index * sizeof(long), sizeof(long)).ToArray())
        : new ChunkArguments(_data, [_offsets[index], _offsets[index + 1]], 1);

}
