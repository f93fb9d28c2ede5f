using System.Text.Json;
using Spindle.Processes.Wire;
using Spindle.Tasks;

namespace Spindle.Processes;

/// <summary>One submitted call; its task is the caller's future.</summary>
internal sealed class SingleCall<TResult>(PoolKind kind, byte[] arguments, JsonCodec<TResult> result, int priority, IProgress<TaskProgress>? progress, CancellationToken cancellationToken)
    : RemoteCall(kind, priority, cancellationToken)
{
    internal override IProgress<TaskProgress>? Progress => progress;

    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal Task<TResult> Task => _completion.Task;

    internal override int ItemCount => 1;

    internal override FrameType AnswerType => FrameType.Result;

    internal override int Fingerprint => FingerprintOf(arguments);

    /// <summary>The durable queue's job this call runs, given to the handler as <c>TaskContext.JobId</c>.</summary>
    internal long? JobId { get; init; }

    /// <summary>When the job's attempt was claimed, given to the handler as <c>TaskContext.AttemptedAt</c>.</summary>
    internal DateTimeOffset? AttemptedAt { get; init; }

    internal override void WriteFrame(FrameBuffer buffer)
    {
        buffer.BeginCall(FrameType.Call, Id, Kind.Id, Attempt);
        buffer.WriteByte((byte)((progress is null ? 0 : WireFormat.ReportsProgress) | (JobId is null ? 0 : WireFormat.CarriesJobId)
            | (AttemptedAt is null ? 0 : WireFormat.CarriesAttemptedAt)));
        if (JobId is { } job)
        {
            buffer.WriteInt64(job);
        }

        if (AttemptedAt is { } attemptedAt)
        {
            buffer.WriteInt64(attemptedAt.UtcTicks);
        }

        buffer.WriteBytes(arguments);
        buffer.EndFrame();
    }

    internal override void Complete(Frame frame)
    {
        var payload = new PayloadReader(frame.Payload.Span, frame.Type);
        payload.ReadInt64();
        byte status = payload.ReadByte();
        if (status != WireFormat.Succeeded)
        {
            Fail(Decode(status, payload.Rest, Kind.Name, CancellationToken));
            return;
        }

        TResult value;
        try
        {
            value = result.Read(payload.Rest);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            _completion.TrySetException(Unreadable(Kind.Name, typeof(TResult), e));
            return;
        }

        _completion.TrySetResult(value);
    }

    internal override void Fail(Exception exception)
    {
        if (exception is OperationCanceledException cancelled)
        {
            _completion.TrySetCanceled(cancelled.CancellationToken);
        }
        else
        {
            _completion.TrySetException(exception);
        }
    }

    internal override bool TrySplit(out RemoteCall[] parts)
    {
        parts = [];
        return false;
    }
}
