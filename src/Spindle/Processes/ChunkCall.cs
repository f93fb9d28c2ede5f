using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Spindle.Processes.Wire;
using Spindle.Tasks;

namespace Spindle.Processes;

/// <summary>A chunk of a map: several items' arguments in one frame, answered in one frame.</summary>
internal sealed class ChunkCall<TResult>(
    PoolKind kind, long start, ChunkArguments arguments, JsonCodec<TResult> result, IChunkSink<TResult> sink, int priority, CancellationToken cancellationToken)
    : RemoteCall(kind, priority, cancellationToken)
{
    internal long Start => start;

    internal override int ItemCount => arguments.Count;

    internal override FrameType AnswerType => FrameType.ChunkResult;

    internal override int Fingerprint => FingerprintOf(arguments.All);

    internal override void WriteFrame(FrameBuffer buffer)
    {
        buffer.BeginCall(FrameType.Chunk, Id, Kind.Id, Attempt);
        arguments.Write(buffer);
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

        int offset = (int)(start - sink.Start);
        byte encoding = payload.ReadByte();
        if (encoding == WireFormat.RawIntegers)
        {
            ReadRaw(ref payload, offset, count);
        }
        else
        {
            TResult[] values = sink.Values;
            for (int i = 0; i < count; i++)
            {
                byte status = payload.ReadByte();
                ReadOnlySpan<byte> json = payload.ReadBlock();
                if (status != WireFormat.Succeeded)
                {
                    sink.Fail(offset + i, Decode(status, json, Kind.Name, CancellationToken));
                    continue;
                }

                try
                {
                    values[offset + i] = result.Read(json);
                }
                catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
                {
                    sink.Fail(offset + i, Unreadable(Kind.Name, typeof(TResult), e));
                }
            }
        }

        sink.Delivered(count);
    }

    internal override void Fail(Exception exception)
    {
        int offset = (int)(start - sink.Start);
        for (int i = 0; i < ItemCount; i++)
        {
            sink.Fail(offset + i, exception);
        }

        sink.Delivered(ItemCount);
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
            parts[i] = new ChunkCall<TResult>(Kind, start + i, arguments.Single(i), result, sink, Priority, CancellationToken)
            {
                Key = Key,
                Attempt = Attempt + 1,
                Isolated = true,
            };
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadRaw(ref PayloadReader payload, int offset, int count)
    {
        if (typeof(TResult) != typeof(long) && typeof(TResult) != typeof(int))
        {
            throw new ProtocolException($"Chunk {Id} was answered with raw integers, but task '{Kind.Name}' returns {typeof(TResult).Name}.");
        }

        Span<TResult> values = sink.Values.AsSpan(offset, count);
        ReadOnlySpan<long> raw = MemoryMarshal.Cast<byte, long>(payload.ReadBytes(count * sizeof(long)));
        if (typeof(TResult) == typeof(long) && BitConverter.IsLittleEndian)
        {
            // One copy for the whole chunk.
            raw.CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.As<TResult, long>(ref MemoryMarshal.GetReference(values)), values.Length));
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                long value = BitConverter.IsLittleEndian ? raw[i] : BinaryPrimitives.ReverseEndianness(raw[i]);

                // Unchecked: a failed item's slot holds 0, and its failure is read below.
                values[i] = typeof(TResult) == typeof(long) ? Unsafe.As<long, TResult>(ref value) : FromInt(unchecked((int)value));
            }
        }

        int failures = payload.ReadInt32();
        for (int f = 0; f < failures; f++)
        {
            int index = payload.ReadInt32();
            if ((uint)index >= (uint)count)
            {
                throw new ProtocolException($"Chunk {Id} reported a failure of item {index} of {count}.");
            }

            sink.Fail(offset + index, Decode(WireFormat.Failed, payload.ReadBlock(), Kind.Name, CancellationToken));
        }

        static TResult FromInt(int value) => Unsafe.As<int, TResult>(ref value);
    }
}
