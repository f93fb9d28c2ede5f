using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Spindle.Queue.Storage;

namespace Spindle.Queue;

/// <summary>
/// Writes finished attempts' outcomes in batches: the first outcome waits <see cref="QueueWorkerOptions.CompletionDelay"/>
/// for others, then up to <see cref="QueueWorkerOptions.CompletionBatchSize"/> are written in one transaction.
/// While a write runs, outcomes gather for the next. A held job stays held (its lease renewed) until its
/// outcome is written, so a failed write is simply tried again; an outcome the store refuses as stale (the
/// attempt was rescued, cancelled or finished elsewhere) is logged and dropped, never retried.
/// </summary>
internal sealed class BatchCompleter
{
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(200);

    private readonly IJobStore _store;
    private readonly QueueWorkerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<HeldJob> _release;

    // Bounded: a runner whose outcome does not fit waits, which stops its slot from taking more work (back-pressure).
    // Written by the runners, read by the one completer loop.
    private readonly Channel<(HeldJob Held, JobCompletion Completion)> _pending;

    internal BatchCompleter(IJobStore store, QueueWorkerOptions options, TimeProvider time, ILogger logger, Action<HeldJob> release)
    {
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
        _release = release;
        _pending = Channel.CreateBounded<(HeldJob, JobCompletion)>(new BoundedChannelOptions(Math.Max(options.CompletionBatchSize, 64))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    internal ValueTask AddAsync(HeldJob held, JobCompletion completion) => _pending.Writer.WriteAsync((held, completion), CancellationToken.None);

    /// <summary>No more outcomes will come; the loop writes what it has and ends.</summary>
    internal void Complete() => _pending.Writer.TryComplete();

    /// <summary>The completer loop. <paramref name="giveUp"/> ends it even with outcomes unwritten (their jobs are rescued later).</summary>
    internal async Task RunAsync(CancellationToken giveUp)
    {
        var batch = new List<(HeldJob Held, JobCompletion Completion)>();
        try
        {
            while (await _pending.Reader.WaitToReadAsync(giveUp).ConfigureAwait(false))
            {
                if (_options.CompletionDelay > TimeSpan.Zero && _pending.Reader.Count < _options.CompletionBatchSize)
                {
                    await Task.Delay(_options.CompletionDelay, _time, giveUp).ConfigureAwait(false);
                }

                while (batch.Count < _options.CompletionBatchSize && _pending.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                await FlushAsync(batch, giveUp).ConfigureAwait(false);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (giveUp.IsCancellationRequested)
        {
            while (_pending.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            foreach ((HeldJob held, _) in batch)
            {
                _release(held);
            }

            if (batch.Count > 0)
            {
                WorkerLog.OutcomesDropped(_logger, batch.Count);
            }
        }
    }

    private async Task FlushAsync(List<(HeldJob Held, JobCompletion Completion)> batch, CancellationToken giveUp)
    {
        // Each names its claim by time as well as attempt (JobCompletion.ClaimedAt).
        var completions = batch.ConvertAll(item => item.Completion with { ClaimedAt = item.Held.Job.AttemptedAt });
        while (true)
        {
            JobsCompleteResult result;
            try
            {
                result = await _store.JobsComplete(new JobsCompleteParams(completions, _time.GetUtcNow()), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                WorkerLog.CompleteFailed(_logger, completions.Count, e);
                await Task.Delay(RetryPause, _time, giveUp).ConfigureAwait(false);
                continue;
            }

            foreach (JobLease stale in result.Stale)
            {
                WorkerLog.StaleCompletion(_logger, stale.Id, stale.Attempt);
            }

            foreach ((HeldJob held, _) in batch)
            {
                _release(held);
            }

            _options.Hooks?.Flushed?.Invoke(result);
            return;
        }
    }
}
