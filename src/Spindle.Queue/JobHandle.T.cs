using System.Text;
using Spindle.Tasks;

namespace Spindle.Queue;

/// <summary>A job of a typed task kind: <see cref="WaitAsync(CancellationToken)"/> returns its typed result.</summary>
/// <typeparam name="TResult">The kind's result type.</typeparam>
public sealed class JobHandle<TResult> : JobHandle
{
    private readonly Func<string, TResult> _decode;

    internal JobHandle(JobQueue queue, long id, string kind, string queueName, JobState state, bool created, Func<string, TResult> decode)
        : base(queue, id, kind, queueName, state, created)
    {
        _decode = decode;
    }

    /// <summary>Waits for the job's result, read with the task kind's own JSON codec.</summary>
    /// <exception cref="JobDeadException">The job is dead; it carries the stored error.</exception>
    /// <exception cref="JobCancelledException">The job was cancelled, or expired before it started.</exception>
    public async Task<TResult> WaitAsync(CancellationToken cancellationToken = default)
    {
        JobInfo job = await WaitUntilFinishedAsync(cancellationToken).ConfigureAwait(false);
        return ResultOf(job, _decode);
    }

    internal static Func<string, TResult> DecoderOf<TArgs>(TaskKind<TArgs, TResult> kind) =>
        json => kind.ResultCodec.Read(Encoding.UTF8.GetBytes(json));
}
