using System.Text.Json;
using Spindle.Pools;
using Spindle.Processes.Wire;
using Spindle.Tasks;

namespace Spindle.Processes;

/// <summary>
/// A chunk of a map: several items' JSON arguments in one frame, answered in one frame. The arguments sit
/// end to end in one array, <c>offsets[i]..offsets[i+1]</c> for item i.
/// </summary>
internal sealed class ChunkCall<TResult>(
    PoolKind kind, long start, byte[] arguments, int[] offsets, JsonCodec<TResult> result, IChunkSink<TResult> sink, int priority, CancellationToken cancellationToken)
    : RemoteCall(kind, priority, cancellationToken)
{
    internal long Start => start;

    internal override int ItemCount => offsets.Length - 1;

    internal override int Fingerprint => FingerprintOf(arguments.AsSpan(offsets[0], offsets[^1] - offsets[0]));

    internal override void WriteFrame(FrameBuffer buffer)
    {
        buffer.BeginFrame(FrameType.Chunk);
        buffer.WriteInt64(Id);
        buffer.WriteInt32(Kind.Id);
        buffer.WriteInt32(Attempt);
        buffer.WriteInt32(ItemCount);
        for (int i = 0; i < ItemCount; i++)
        {
            buffer.WriteBlock(arguments.AsSpan(offsets[i], offsets[i + 1] - offsets[i]));
        }

        buffer.EndFrame();
    }

    internal override void Complete(Frame frame)
    {
        var payload = new PayloadReader(frame.Payload.Span, frame.Type);
        payload.ReadInt64();
        int count = payload.ReadInt32();
        if (count != ItemCount)
        {
            throw new ProtocolException($"Chunk {Id} of {ItemCount} items was answered with {count} results.");
        }

        var outcomes = new ItemOutcome<TResult>[count];
        for (int i = 0; i < count; i++)
        {
            byte status = payload.ReadByte();
            ReadOnlySpan<byte> json = payload.ReadBlock();
            outcomes[i] = status == WireFormat.Succeeded ? Value(start + i, json) : new ItemOutcome<TResult>(start + i, default, Decode(status, json, Kind.Name, CancellationToken));
        }

        sink.Deliver(start, outcomes);
    }

    internal override void Fail(Exception exception)
    {
        var outcomes = new ItemOutcome<TResult>[ItemCount];
        for (int i = 0; i < outcomes.Length; i++)
        {
            outcomes[i] = new ItemOutcome<TResult>(start + i, default, exception);
        }

        sink.Deliver(start, outcomes);
    }

    internal override bool TrySplit(out RemoteCall[] parts)
    {
        parts = new RemoteCall[ItemCount];
        if (ItemCount == 1)
        {
            return false;
        }

        for (int i = 0; i < parts.Length; i++)
        {
            parts[i] = new ChunkCall<TResult>(Kind, start + i, arguments, [offsets[i], offsets[i + 1]], result, sink, Priority, CancellationToken)
            {
                Key = Key,
                Attempt = Attempt + 1,
                Isolated = true,
            };
        }

        return true;
    }

    private ItemOutcome<TResult> Value(long index, ReadOnlySpan<byte> json)
    {
        try
        {
            return new ItemOutcome<TResult>(index, result.Read(json), null);
        }
        catch (JsonException e)
        {
            return new ItemOutcome<TResult>(index, default, Unreadable(Kind.Name, typeof(TResult), e));
        }
    }
}
